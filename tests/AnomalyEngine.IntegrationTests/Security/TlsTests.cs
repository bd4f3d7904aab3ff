using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>TLS and mTLS configured through Kestrel settings only, with certificates made by the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ae-tls-").FullName;
    private readonly X509Certificate2 _ca;
    private readonly X509Certificate2 _server;
    private readonly string _serverPfx;
    private readonly string _caPath;

    public TlsTests()
    {
        _ca = CreateAuthority("CN=ae-test-ca");
        _server = Issue(_ca, "CN=127.0.0.1", serverAuth: true);
        _serverPfx = Path.Combine(_dir, "server.pfx");
        File.WriteAllBytes(_serverPfx, _server.Export(X509ContentType.Pfx, "pw"));
        _caPath = Path.Combine(_dir, "ca.pem");
        File.WriteAllText(_caPath, _ca.ExportCertificatePem());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Over_TLS_an_authenticated_call_works()
    {
        await using var server = await EngineServer.StartAsync(Settings(mtls: false));
        using var channel = Channel(server.Address, clientCertificate: null);
        var s = TestStore.SessionId(nameof(Over_TLS_an_authenticated_call_works));

        var response = await new ScoringService.ScoringServiceClient(channel).TrackAsync(Batch(View(s, "/a", T0)), Bearer(KeyA));

        Assert.Equal("https", server.Address.Scheme);
        Assert.Equal(1, response.Verdicts.Single().EventsSeen);
    }

    [Fact]
    public async Task With_mTLS_only_clients_with_a_certificate_from_the_configured_CA_get_in()
    {
        await using var server = await EngineServer.StartAsync(Settings(mtls: true));
        var s = TestStore.SessionId(nameof(With_mTLS_only_clients_with_a_certificate_from_the_configured_CA_get_in));
        var good = Issue(_ca, "CN=producer", serverAuth: false);
        var stranger = Issue(CreateAuthority("CN=other-ca"), "CN=intruder", serverAuth: false);

        using var goodChannel = Channel(server.Address, good);
        var client = new ScoringService.ScoringServiceClient(goodChannel);
        Assert.Single((await client.TrackAsync(Batch(View(s, "/a", T0)), Bearer(KeyA))).Verdicts);

        foreach (var cert in new[] { null, stranger })
        {
            using var channel = Channel(server.Address, cert);
            // The handshake is refused; depending on when the client notices (TLS 1.3 finishes the client
            // side first) the call ends UNAVAILABLE or INTERNAL, but never reaches the service.
            var ex = await Assert.ThrowsAsync<RpcException>(async () =>
                await new ScoringService.ScoringServiceClient(channel).TrackAsync(Batch(View(s, "/b", T0)), Bearer(KeyA), DateTime.UtcNow.AddSeconds(30)));
            Assert.NotEqual(StatusCode.OK, ex.StatusCode);
        }
        Assert.Equal(1, (await client.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA))).Events);
    }

    private Dictionary<string, string?> Settings(bool mtls)
    {
        var settings = AuthSettings(
            ("Kestrel:Endpoints:Grpc:Url", "https://127.0.0.1:0"),
            ("Kestrel:Endpoints:Grpc:Certificate:Path", _serverPfx),
            ("Kestrel:Endpoints:Grpc:Certificate:Password", "pw"));
        if (mtls)
        {
            settings["Kestrel:Endpoints:Grpc:ClientCertificateMode"] = "RequireCertificate";
            settings["Tls:ClientCertificateAuthorityPath"] = _caPath;
        }
        return settings;
    }

    private GrpcChannel Channel(Uri address, X509Certificate2? clientCertificate)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            // Trust exactly our test CA's server certificate.
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == _server.GetCertHashString(),
        };
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
        }
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { SslOptions = ssl } });
    }

    private static X509Certificate2 CreateAuthority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return Reload(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name, bool serverAuth)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        return Reload(issued.CopyWithPrivateKey(key));
    }

    // SslStream on Linux wants a certificate whose key came from a PKCS#12 import.
    private static X509Certificate2 Reload(X509Certificate2 cert)
    {
        using (cert)
        {
            return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
        }
    }
}

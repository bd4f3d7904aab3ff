using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>Makes Kestrel's HTTPS endpoints trust client certificates issued by <see cref="TlsOptions.ClientCertificateAuthorityPath"/>.</summary>
internal sealed class ClientCertificateTrust(IOptions<TlsOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        if (options.Value.ClientCertificateAuthorityPath is not { Length: > 0 } path)
        {
            return;
        }
        var authority = X509CertificateLoader.LoadCertificateFromFile(path);
        kestrel.ConfigureHttpsDefaults(https => https.ClientCertificateValidation = (certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            // A private CA rarely publishes revocation lists; revoke by rotating the CA or the client cert.
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate);
        });
    }
}

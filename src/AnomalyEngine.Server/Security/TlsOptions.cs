namespace AnomalyEngine.Server.Security;

/// <summary>
/// Client-certificate trust for mTLS (section <c>Tls</c>). TLS itself, the server certificate and
/// <c>ClientCertificateMode</c> are Kestrel's own settings (<c>Kestrel:Endpoints:Grpc:…</c>, see docs/security.md).
/// </summary>
public sealed class TlsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Tls";

    /// <summary>
    /// A CA certificate (PEM or DER). When set, a client certificate is accepted only if it chains to
    /// this CA (and not merely to the machine's trust store): the usual private-CA mTLS setup.
    /// Empty: Kestrel's default validation against the machine trust store.
    /// </summary>
    public string? ClientCertificateAuthorityPath { get; set; }
}

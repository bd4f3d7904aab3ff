namespace AnomalyEngine.Server.Security;

/// <summary>
/// API-key authentication (section <c>Auth</c>). Each tenant has one or more keys, stored only as
/// the lowercase hex SHA-256 of the key (<c>anomaly-engine hash-key</c> or
/// <c>printf %s KEY | sha256sum</c>), so a leaked config file does not leak a usable key.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Auth";

    /// <summary>
    /// Require an API key on every engine rpc. Off by default for the laptop quick start on loopback;
    /// when off, every call belongs to the <c>default</c> tenant and a warning is logged at start.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Allow listening on a non-loopback address with authentication off or without TLS (for example
    /// behind a TLS-terminating proxy on a private network). Off by default: the server refuses to start.
    /// </summary>
    public bool AllowInsecure { get; set; }

    /// <summary>
    /// A JSON configuration file (the shape of appsettings.json: <c>{"Auth":{"Tenants":{…}}}</c>) added
    /// after every other source and polled for changes every few seconds, so keys, rights and limits
    /// change without a restart (<see cref="LiveTenants"/>). Polling also sees a mounted Kubernetes
    /// secret, whose files are replaced through a symlink. Missing or unreadable at start: the server
    /// does not start.
    /// </summary>
    public string? KeysFile { get; set; }

    /// <summary>Tenants by id (1..64 of [A-Za-z0-9_-]).</summary>
    public Dictionary<string, TenantAuthOptions> Tenants { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One tenant's credentials and limits (<c>Auth:Tenants:{id}</c>).</summary>
public sealed class TenantAuthOptions
{
    /// <summary>Lowercase or uppercase hex SHA-256 of each accepted key (several allow rotation).</summary>
    public List<string> KeyHashes { get; set; } = [];

    /// <summary>
    /// Events per second this tenant may send to one replica, or to the deployment with
    /// <c>Limits:Scope=Cluster</c>; 0 uses <c>Limits:DefaultEventsPerSecond</c>.
    /// </summary>
    public double EventsPerSecond { get; set; }

    /// <summary>Largest burst in events; 0 means one second of <see cref="EventsPerSecond"/> (at least one full batch).</summary>
    public double Burst { get; set; }

    /// <summary>
    /// May call ModelService.ReloadModel, which swaps the model for every tenant and names a server
    /// folder: an operator's right, not a tenant's. False by default.
    /// </summary>
    public bool CanReloadModels { get; set; }
}

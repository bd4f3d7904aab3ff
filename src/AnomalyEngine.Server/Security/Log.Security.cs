namespace AnomalyEngine.Server.Hosting;

/// <summary>Security log messages: method names and tenant ids only, never keys, hashes or event data.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Rejected {Method}: no API key.")]
    public static partial void AuthMissing(ILogger logger, string method);

    [LoggerMessage(101, LogLevel.Warning, "Rejected {Method}: unknown API key.")]
    public static partial void AuthRejected(ILogger logger, string method);

    [LoggerMessage(102, LogLevel.Warning, "Refused {Method} for tenant {Tenant}: not permitted.")]
    public static partial void AuthForbidden(ILogger logger, string method, string tenant);

    [LoggerMessage(103, LogLevel.Warning, "Authentication is OFF (Auth:Enabled=false): every call is tenant 'default' and no key is checked. Use this only on loopback.")]
    public static partial void AuthDisabled(ILogger logger);

    [LoggerMessage(104, LogLevel.Information, "Authentication on: {Tenants} tenant(s) configured.")]
    public static partial void AuthEnabled(ILogger logger, int tenants);

    [LoggerMessage(106, LogLevel.Information, "Auth reloaded: {Tenants} tenant(s), {Keys} key(s); {Revoked} removed key(s) had opened streams here, and any still open end now.")]
    public static partial void AuthReloaded(ILogger logger, int tenants, int keys, int revoked);

    [LoggerMessage(107, LogLevel.Error, "Auth reload refused, the keys in force stay: {Reason}")]
    public static partial void AuthReloadRefused(ILogger logger, string reason);

    [LoggerMessage(108, LogLevel.Warning, "Auth:Enabled and Auth:AllowInsecure changed in the configuration; they take effect only at a restart.")]
    public static partial void AuthModeNeedsRestart(ILogger logger);

    [LoggerMessage(109, LogLevel.Information, "Rate limits are shared by {Replicas} live replica(s) of this deployment.")]
    public static partial void ReplicasCounted(ILogger logger, int replicas);

    [LoggerMessage(110, LogLevel.Warning, "Cannot count this deployment's replicas ({Error}); rate limits keep dividing by {Replicas}.")]
    public static partial void ReplicaCensusFailed(ILogger logger, int replicas, string error);

    [LoggerMessage(105, LogLevel.Debug, "Rate limited tenant {Tenant} on {Method}: {Events} events over its budget.")]
    public static partial void RateLimited(ILogger logger, string tenant, string method, int events);
}

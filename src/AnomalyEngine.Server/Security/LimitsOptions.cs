using System.ComponentModel.DataAnnotations;

namespace AnomalyEngine.Server.Security;

/// <summary>Request size and rate limits (section <c>Limits</c>). The batch cap is <c>EventLimits.MaxBatchEvents</c>.</summary>
public sealed class LimitsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Limits";

    /// <summary>Largest gRPC message the server accepts, in bytes (default 4 MiB; a full batch of 1000 events fits).</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Events per second per tenant when the tenant sets none; 0 = unlimited. Per replica, or shared
    /// by the deployment's replicas with <see cref="Scope"/> = <see cref="RateLimitScope.Cluster"/>.
    /// </summary>
    [Range(0, double.MaxValue)]
    public double DefaultEventsPerSecond { get; set; }

    /// <summary>Burst for tenants that set none; 0 means one second of the rate (at least one full batch).</summary>
    [Range(0, double.MaxValue)]
    public double DefaultBurst { get; set; }

    /// <summary>
    /// Whose budget a tenant's rate is: each replica's (the default: N replicas admit up to N times
    /// the rate), or the whole deployment's, split evenly among its live replicas (<see cref="ReplicaCensus"/>).
    /// </summary>
    public RateLimitScope Scope { get; set; } = RateLimitScope.Replica;

    /// <summary>
    /// Name of the deployment whose replicas share the budgets (1..64 of [A-Za-z0-9_-]): replicas of
    /// two deployments on one store count apart.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string Deployment { get; set; } = "default";
}

/// <summary>Whose budget a tenant's rate limit is.</summary>
public enum RateLimitScope
{
    /// <summary>Each replica admits the tenant's rate on its own.</summary>
    Replica,

    /// <summary>The deployment's live replicas share the tenant's rate, each taking an equal part.</summary>
    Cluster,
}

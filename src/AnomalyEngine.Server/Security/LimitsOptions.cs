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
    /// Events per second per tenant per replica when the tenant sets none; 0 = unlimited. The bucket is
    /// local to each replica, so N replicas admit up to N times this rate.
    /// </summary>
    [Range(0, double.MaxValue)]
    public double DefaultEventsPerSecond { get; set; }

    /// <summary>Burst for tenants that set none; 0 means one second of the rate (at least one full batch).</summary>
    [Range(0, double.MaxValue)]
    public double DefaultBurst { get; set; }
}

using AnomalyEngine.Core.Settings;

namespace AnomalyEngine.Server.Faults;

/// <summary>Shutdown and health timing (section <c>Resilience</c>).</summary>
public sealed class ResilienceOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Resilience";

    /// <summary>
    /// How long a stopping replica lets in-flight unary calls finish (HostOptions.ShutdownTimeout). Keep it
    /// below the orchestrator's grace period (Kubernetes terminationGracePeriodSeconds, 30 s by default).
    /// </summary>
    [TimeSpanRange("00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often health checks are re-run for grpc.health.v1 Watch streams.</summary>
    [TimeSpanRange("00:00:01", "00:05:00")]
    public TimeSpan HealthCheckPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one store health check (PING) may take before the store counts as down.</summary>
    [TimeSpanRange("00:00:00.100", "00:01:00")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(1.5);
}

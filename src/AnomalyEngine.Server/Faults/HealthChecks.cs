using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Faults;

/// <summary>
/// Healthy when the store answers PING within <see cref="ResilienceOptions.HealthCheckTimeout"/>; any
/// failure or timeout is unhealthy, so grpc.health.v1 turns NOT_SERVING while Redis is away and back
/// to SERVING once StackExchange.Redis has reconnected.
/// </summary>
internal sealed class StoreHealthCheck(IConnectionMultiplexer redis, IOptions<ResilienceOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(options.Value.HealthCheckTimeout, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            // Only the type: the message of a connection error names endpoints, never needed in a health probe.
            return HealthCheckResult.Unhealthy("store unreachable: " + ex.GetType().Name);
        }
    }
}

/// <summary>Unhealthy once the host is stopping, so load balancers drain this replica before it goes.</summary>
internal sealed class ShutdownHealthCheck(ShutdownSignal shutdown) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(shutdown.IsStopping ? HealthCheckResult.Unhealthy("shutting down") : HealthCheckResult.Healthy());
}

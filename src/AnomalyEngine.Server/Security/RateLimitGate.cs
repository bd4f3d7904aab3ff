using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// Charges every <see cref="TrackRequest"/> (Track, and each message of TrackStream) its event count
/// against the caller's tenant and refuses it with RESOURCE_EXHAUSTED, carrying a google.rpc.RetryInfo,
/// when the tenant is over its rate. <see cref="EngineCallInterceptor"/> runs it after authentication,
/// so the tenant is the credential's. On TrackStream a refused batch ends the stream: batches answered
/// before it stay applied.
/// </summary>
public sealed class RateLimitGate(TenantRateLimiter limiter, EngineMetrics metrics, ILogger<RateLimitGate> logger)
{
    /// <summary>A stream whose every message is charged as it is read.</summary>
    public IAsyncStreamReader<TRequest> Charging<TRequest>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context) =>
        new ChargingReader<TRequest>(requestStream, this, context);

    /// <summary>Charges a <see cref="TrackRequest"/> (any other message is free); throws RESOURCE_EXHAUSTED when over the rate.</summary>
    public void Charge<TRequest>(TRequest request, ServerCallContext context)
    {
        if (request is not TrackRequest track || track.Events.Count == 0)
        {
            return;
        }
        // An oversized batch is INVALID_ARGUMENT from validation; charge at most a full batch for it.
        var events = Math.Min(track.Events.Count, EventLimits.MaxBatchEvents);
        var tenant = TenantContext.Of(context);
        if (limiter.TryAcquire(tenant, events, out var retryAfter))
        {
            return;
        }
        Log.RateLimited(logger, tenant, context.Method, events);
        metrics.RateLimited(tenant, events);
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = $"tenant event rate exceeded; retry after {Math.Ceiling(retryAfter.TotalMilliseconds)} ms",
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }) },
        };
        throw status.ToRpcException();
    }

    private sealed class ChargingReader<T>(IAsyncStreamReader<T> inner, RateLimitGate owner, ServerCallContext context) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }
            owner.Charge(inner.Current, context);
            return true;
        }
    }
}

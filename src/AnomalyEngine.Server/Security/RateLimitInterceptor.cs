using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// Charges every <see cref="TrackRequest"/> (Track, and each message of TrackStream) its event count
/// against the caller's tenant and refuses it with RESOURCE_EXHAUSTED, carrying a google.rpc.RetryInfo,
/// when the tenant is over its rate. Runs after authentication, so the tenant is the credential's.
/// On TrackStream a refused batch ends the stream: batches answered before it stay applied.
/// </summary>
public sealed class RateLimitInterceptor(TenantRateLimiter limiter, ILogger<RateLimitInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Charge(request, context);
        return continuation(request, context);
    }

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new ChargingReader<TRequest>(requestStream, this, context), responseStream, context);

    /// <inheritdoc />
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new ChargingReader<TRequest>(requestStream, this, context), context);

    private void Charge<TRequest>(TRequest request, ServerCallContext context)
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
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = $"tenant event rate exceeded; retry after {Math.Ceiling(retryAfter.TotalMilliseconds)} ms",
            Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }) },
        };
        throw status.ToRpcException();
    }

    private sealed class ChargingReader<T>(IAsyncStreamReader<T> inner, RateLimitInterceptor owner, ServerCallContext context) : IAsyncStreamReader<T>
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

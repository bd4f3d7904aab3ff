using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.Server.Security;
using Grpc.Core;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Faults;

/// <summary>
/// How failures reach clients, applied to every call by <see cref="EngineCallInterceptor"/>, outermost:
/// store outages (connection lost, timeout, LOADING, cluster down…) become UNAVAILABLE (retry with
/// backoff), an expired deadline DEADLINE_EXCEEDED, anything unexpected INTERNAL without details.
/// The interceptor stops waiting for a handler when the call's deadline passes, so no call outlives its
/// deadline even while a store command is still queued. For server and bidi streams
/// <see cref="RunStreamAsync"/> links <see cref="ShutdownSignal"/> into the call's token and ends them
/// with UNAVAILABLE "server shutting down, resume from your last cursor", and links the revocation of
/// the stream's key (<see cref="LiveTenants"/>), which ends them with UNAUTHENTICATED.
/// </summary>
public sealed class FaultPolicy(ShutdownSignal shutdown, TimeProvider time, ILogger<FaultPolicy> logger)
{
    /// <summary>The message of UNAVAILABLE caused by the store.</summary>
    public const string StoreUnavailableMessage = "the session store is unavailable; retry with backoff";

    /// <summary>The status a unary or client-streaming call that failed with <paramref name="ex"/> ends with.</summary>
    public RpcException Map(Exception ex, ServerCallContext context) => Map(ex, context, byShutdown: false);

    /// <summary>
    /// Authenticates a server or bidi streaming call, then runs its handler with a call context whose
    /// token also fires at shutdown and when the call's key is revoked, and maps how it ended.
    /// </summary>
    public async Task RunStreamAsync(ServerCallContext context, Func<CancellationToken> authenticate, Func<ServerCallContext, Task> handler)
    {
        var revoked = authenticate();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, shutdown.Stopping, revoked);
        try
        {
            await handler(new LinkedServerCallContext(context, linked.Token)).WaitAsync(linked.Token);
        }
        catch (Exception ex) when (ex is not RpcException || IsShutdown(context, linked) || IsRevoked(context, revoked))
        {
            throw IsRevoked(context, revoked) ? CallAuthenticator.KeyRevoked() : Map(ex, context, IsShutdown(context, linked));
        }
        // A handler that returns quietly when its token fires would end the stream OK; the client must
        // still learn why: resume elsewhere, or its key is no longer accepted.
        if (IsRevoked(context, revoked))
        {
            throw CallAuthenticator.KeyRevoked();
        }
        if (IsShutdown(context, linked))
        {
            throw ShutdownSignal.ResumeElsewhere();
        }
    }

    private static bool IsRevoked(ServerCallContext context, CancellationToken revoked) =>
        revoked.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested;

    private bool IsShutdown(ServerCallContext context, CancellationTokenSource linked) =>
        linked.IsCancellationRequested && shutdown.IsStopping && !context.CancellationToken.IsCancellationRequested;

    private RpcException Map(Exception ex, ServerCallContext context, bool byShutdown)
    {
        if (byShutdown)
        {
            return ShutdownSignal.ResumeElsewhere();
        }
        if (ex is RpcException rpc)
        {
            return rpc;
        }
        if (ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return context.Deadline <= time.GetUtcNow().UtcDateTime
                ? new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline exceeded"))
                : new RpcException(new Status(StatusCode.Cancelled, "call cancelled by the client"));
        }
        if (IsStoreUnavailable(ex))
        {
            Log.StoreUnavailable(logger, context.Method, ex.GetType().Name);
            return new RpcException(new Status(StatusCode.Unavailable, StoreUnavailableMessage));
        }
        Log.Unexpected(logger, context.Method, ex.GetType().FullName ?? ex.GetType().Name, ex.StackTrace);
        return new RpcException(new Status(StatusCode.Internal, "internal error"));
    }

    /// <summary>True for store failures that go away by themselves: the client should retry, not give up.</summary>
    public static bool IsStoreUnavailable(Exception ex) => ex switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        // Transient server states: restarting (LOADING), failover (MASTERDOWN, READONLY, TRYAGAIN),
        // a cluster without quorum or slot coverage (CLUSTERDOWN), a script running too long (BUSY).
        RedisServerException s => StartsWithAny(s.Message, "LOADING", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "BUSY", "NOREPLICAS"),
        AggregateException { InnerExceptions.Count: > 0 } a => IsStoreUnavailable(a.InnerExceptions[0]),
        _ => ex.InnerException is { } inner && IsStoreUnavailable(inner),
    };

    private static bool StartsWithAny(string message, params string[] prefixes)
    {
        foreach (var p in prefixes)
        {
            if (message.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}

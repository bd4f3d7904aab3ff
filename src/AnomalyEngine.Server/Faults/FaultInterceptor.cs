using AnomalyEngine.Server.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Faults;

/// <summary>
/// The outermost interceptor. It maps failures to statuses a client can act on:
/// store outages (connection lost, timeout, LOADING, cluster down…) to UNAVAILABLE (retry with
/// backoff), an expired deadline to DEADLINE_EXCEEDED, anything unexpected to INTERNAL without
/// details. It stops waiting for a handler when the call's deadline passes, so no call outlives its
/// deadline even while a store command is still queued. For server and bidi streams it links
/// <see cref="ShutdownSignal"/> into the call's token and ends them with UNAVAILABLE
/// "server shutting down, resume from your last cursor".
/// </summary>
public sealed class FaultInterceptor(ShutdownSignal shutdown, TimeProvider time, ILogger<FaultInterceptor> logger) : Interceptor
{
    /// <summary>The message of UNAVAILABLE caused by the store.</summary>
    public const string StoreUnavailableMessage = "the session store is unavailable; retry with backoff";

    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).WaitAsync(context.CancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context, byShutdown: false);
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).WaitAsync(context.CancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context, byShutdown: false);
        }
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunStreamAsync(context, linked => continuation(request, responseStream, linked));

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunStreamAsync(context, linked => continuation(requestStream, responseStream, linked));

    private async Task RunStreamAsync(ServerCallContext context, Func<ServerCallContext, Task> handler)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, shutdown.Stopping);
        var byShutdown = false;
        try
        {
            await handler(new LinkedServerCallContext(context, linked.Token)).WaitAsync(linked.Token);
        }
        catch (Exception ex) when (ex is not RpcException || IsShutdown(context, linked))
        {
            byShutdown = IsShutdown(context, linked);
            throw Map(ex, context, byShutdown);
        }
        // A handler that returns quietly when its token fires would end the stream OK; the client must
        // still learn that it should resume.
        if (IsShutdown(context, linked))
        {
            throw ShutdownSignal.ResumeElsewhere();
        }
    }

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

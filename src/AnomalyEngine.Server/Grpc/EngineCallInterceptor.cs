using AnomalyEngine.Server.Faults;
using AnomalyEngine.Server.Security;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace AnomalyEngine.Server.Grpc;

/// <summary>
/// The server's one interceptor. Every rpc passes, in this order: fault mapping (<see cref="FaultPolicy"/>,
/// outermost, so it also maps what the steps inside it throw), authentication (<see cref="CallAuthenticator"/>),
/// the tenant's rate limit (<see cref="RateLimitGate"/>, on Track requests and every TrackStream message).
/// </summary>
/// <remarks>
/// One interceptor rather than one per concern: grpc-dotnet wraps every registered interceptor in an
/// async frame of its own, with a service lookup, on every call. Three of them cost the server ~5 % of its
/// CPU per unary call at 2,000 calls/s (docs/performance.md).
/// </remarks>
public sealed class EngineCallInterceptor(FaultPolicy faults, CallAuthenticator authenticator, RateLimitGate rateLimit) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            authenticator.Authenticate(context);
            rateLimit.Charge(request, context);
            return await continuation(request, context).WaitAsync(context.CancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw faults.Map(ex, context);
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            authenticator.Authenticate(context);
            return await continuation(rateLimit.Charging(requestStream, context), context).WaitAsync(context.CancellationToken);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw faults.Map(ex, context);
        }
    }

    /// <inheritdoc />
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        faults.RunStreamAsync(context, () => authenticator.AuthenticateStream(context), linked => continuation(request, responseStream, linked));

    /// <inheritdoc />
    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        faults.RunStreamAsync(context, () => authenticator.AuthenticateStream(context), linked => continuation(rateLimit.Charging(requestStream, linked), responseStream, linked));
}

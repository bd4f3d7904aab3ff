using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Cli.Load.Lean;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;

namespace AnomalyEngine.Cli.Load;

/// <summary>How the load tool's unary callers reach Track: <c>--client lean|grpc</c>.</summary>
internal abstract class TrackClient : IDisposable
{
    public abstract Task<TrackResponse> TrackAsync(TrackRequest request, CancellationToken ct);

    public virtual void Dispose()
    {
    }

    /// <summary>The client <paramref name="o"/> asks for, connected when it holds a connection of its own.</summary>
    /// <exception cref="RpcException">The lean client could not connect, or the server allows fewer concurrent calls than asked.</exception>
    public static TrackClient Create(LoadOptions o, ScoringService.ScoringServiceClient grpc)
    {
        if (o.Client == "grpc")
        {
            return new GrpcTrack(grpc);
        }
        var connection = LeanGrpcConnection.Connect(o.Target, Environment.GetEnvironmentVariable(ChannelFactory.ApiKeyVariable) is { Length: > 0 } key ? key : null, TimeSpan.FromSeconds(10));
        if (o.Concurrency > connection.MaxConcurrentCalls)
        {
            connection.Dispose();
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"--concurrency {o.Concurrency} exceeds the server's {connection.MaxConcurrentCalls} concurrent calls per connection; the lean client has one connection (use --client grpc)"));
        }
        return new LeanTrack(connection);
    }

    private sealed class GrpcTrack(ScoringService.ScoringServiceClient client) : TrackClient
    {
        public override Task<TrackResponse> TrackAsync(TrackRequest request, CancellationToken ct) =>
            client.TrackAsync(request, cancellationToken: ct).ResponseAsync;
    }

    private sealed class LeanTrack(LeanGrpcConnection connection) : TrackClient
    {
        private static readonly string Path = "/" + ScoringService.Descriptor.FullName + "/" + nameof(ScoringService.ScoringServiceClient.Track);

        // Calls in flight when the run is cancelled finish with the server's answer.
        public override Task<TrackResponse> TrackAsync(TrackRequest request, CancellationToken ct) =>
            connection.CallAsync(Path, request, TrackResponse.Parser);

        public override void Dispose() => connection.Dispose();
    }
}

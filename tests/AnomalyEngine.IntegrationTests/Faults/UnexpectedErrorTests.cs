using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Faults;

/// <summary>A bug inside the engine answers INTERNAL with no detail of the exception.</summary>
public sealed class UnexpectedErrorTests
{
    private const string Secret = "attribute-value-that-must-not-leak";

    [Fact]
    public async Task An_unexpected_exception_is_INTERNAL_without_its_message()
    {
        await using var server = await EngineServer.StartAsync(services: s => s.AddSingleton<ISessionScorerSource, ThrowingScorerSource>());
        var session = TestStore.SessionId(nameof(An_unexpected_exception_is_INTERNAL_without_its_message));

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(View(session, "/a", T0))));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.DoesNotContain(Secret, ex.Status.Detail);
        Assert.DoesNotContain(nameof(InvalidOperationException), ex.Status.Detail);
    }

    private sealed class ThrowingScorerSource : ISessionScorerSource
    {
        public ISessionScorer Current => throw new InvalidOperationException(Secret);
    }
}

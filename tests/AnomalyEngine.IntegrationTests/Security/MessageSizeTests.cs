using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>Limits:MaxReceiveMessageBytes bounds what one request may make the server buffer.</summary>
public sealed class MessageSizeTests
{
    [Fact]
    public async Task A_message_over_the_configured_size_is_RESOURCE_EXHAUSTED_and_writes_nothing()
    {
        await using var server = await EngineServer.StartAsync(new Dictionary<string, string?> { ["Limits:MaxReceiveMessageBytes"] = "65536" });
        var s = TestStore.SessionId(nameof(A_message_over_the_configured_size_is_RESOURCE_EXHAUSTED_and_writes_nothing));
        var events = Enumerable.Range(0, 400).Select(i => View(s, "/" + new string('p', 200), T0 + i)).ToArray();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(events)));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        var get = await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.GetSessionAsync(new() { SessionId = s }));
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        // Within the limit is fine.
        Assert.Equal(10, (await server.Scoring.TrackAsync(Batch(events[..10]))).Verdicts.Single().EventsSeen);
    }
}

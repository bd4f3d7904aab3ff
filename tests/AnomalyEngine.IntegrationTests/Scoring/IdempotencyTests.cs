using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Scoring;

/// <summary>A producer's retry with the same event_id is counted once.</summary>
public sealed class IdempotencyTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_same_event_id_sent_twice_counts_once()
    {
        var s = TestStore.SessionId(nameof(The_same_event_id_sent_twice_counts_once));
        await _server.Scoring.TrackAsync(Batch(Action(s, "login", T0, false, eventId: "e-1")));
        var retry = await _server.Scoring.TrackAsync(Batch(Action(s, "login", T0, false, eventId: "e-1")));
        await _server.Scoring.TrackAsync(Batch(Action(s, "login", T0 + 10, false, eventId: "e-2"), Action(s, "login", T0 + 10, false, eventId: "e-2")));

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });

        Assert.Equal(1, retry.Verdicts.Single().EventsSeen);
        Assert.Equal(2, info.Events);
        Assert.Equal(2, info.Failures);
    }

    [Fact]
    public async Task Events_without_an_id_are_all_counted()
    {
        var s = TestStore.SessionId(nameof(Events_without_an_id_are_all_counted));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0), View(s, "/a", T0)));

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });

        Assert.Equal(2, info.Events);
    }
}

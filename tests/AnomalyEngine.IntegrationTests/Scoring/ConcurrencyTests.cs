using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Scoring;

/// <summary>Two server replicas on one store: concurrent events of one session are all counted exactly.</summary>
public sealed class ConcurrencyTests : IAsyncLifetime
{
    private EngineServer _a = null!;
    private EngineServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await EngineServer.StartAsync();
        _b = await EngineServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task A_thousand_events_for_one_session_through_two_replicas_are_counted_exactly()
    {
        var s = TestStore.SessionId(nameof(A_thousand_events_for_one_session_through_two_replicas_are_counted_exactly));
        const int total = 1000;
        var sends = Enumerable.Range(0, total).Select(async i =>
        {
            var client = i % 2 == 0 ? _a.Scoring : _b.Scoring;
            var e = i % 5 == 0
                ? Action(s, "login", T0 + i, success: false, eventId: $"e{i}")
                : View(s, $"/p/{i % 7}", T0 + i, eventId: $"e{i}");
            await client.TrackAsync(Batch(e));
        });
        await Task.WhenAll(sends);

        var info = await _a.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });

        Assert.Equal(total, info.Events);
        Assert.Equal(total / 5, info.Failures);
        Assert.Equal(total / 5, info.Actions);
        Assert.Equal(total - total / 5, info.Views);
        Assert.Equal(total / 5, info.ActionsByName.Single(a => a.Name == "login").Failures);
        Assert.Equal(T0 + total - 1, info.LastTs);
    }
}

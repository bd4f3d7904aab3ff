using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.Server.Alerts;
using Microsoft.Extensions.DependencyInjection;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>
/// Alerts appended by the subscriber's own server are handed to it without a read of the log; alerts of
/// another replica arrive by wake-up and a read, in the same one sequence. The poll backstop is set to
/// ten minutes so that neither path can be mistaken for it.
/// </summary>
public sealed class LocalHandOffTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> NoPolling = new() { ["Alerts:PollInterval"] = "00:10:00" };
    private EngineServer _a = null!;
    private EngineServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await StartAsync(NoPolling);
        _b = await StartAsync(NoPolling);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Alerts_raised_on_the_subscribers_server_are_delivered_from_the_hand_off()
    {
        var a = For(_a, NewTenant());
        var hub = _a.Services.GetRequiredService<AlertHub>();
        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(a.Alerts, new SubscribeRequest(), cts.Token);
        // One alert first: once it has arrived, the subscriber's first read of the log is behind it, so
        // none of the alerts counted below can come from that read.
        await a.Scoring.TrackAsync(FailedLogins(Sid("first")));
        await ReadAsync(call, 1);
        var before = hub.HandedOver;

        var sessions = Enumerable.Range(0, 20).Select(i => Sid($"local{i}")).ToList();
        var cursors = new List<string>();
        foreach (var s in sessions)
        {
            cursors.Add((await a.Scoring.TrackAsync(FailedLogins(s))).Verdicts[0].AlertCursor);
        }

        var alerts = await ReadAsync(call, sessions.Count);
        Assert.Equal(sessions, alerts.Select(x => x.SessionId));
        Assert.Equal(cursors, alerts.Select(x => x.Cursor));
        Assert.Equal(sessions.Count, hub.HandedOver - before);
    }

    [Fact]
    public async Task Alerts_of_another_replica_between_local_ones_arrive_in_order_without_gaps()
    {
        var tenant = NewTenant();
        var (a, b) = (For(_a, tenant), For(_b, tenant));
        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(a.Alerts, new SubscribeRequest(), cts.Token);

        var sessions = Enumerable.Range(0, 12).Select(i => Sid($"mix{i}")).ToList();
        for (var i = 0; i < sessions.Count; i++)
        {
            await (i % 3 == 1 ? b : a).Scoring.TrackAsync(FailedLogins(sessions[i]));
        }

        var alerts = await ReadAsync(call, sessions.Count);
        Assert.Equal(sessions, alerts.Select(x => x.SessionId));
        AssertGapless(alerts);
    }

    [Fact]
    public async Task Concurrent_producers_on_both_replicas_reach_a_local_subscriber_exactly_once_in_order()
    {
        var tenant = NewTenant();
        var (a, b) = (For(_a, tenant), For(_b, tenant));
        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(a.Alerts, new SubscribeRequest(), cts.Token);
        const int sessions = 400;
        var prefix = Sid("conc");

        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await (i % 4 == 0 ? b : a).Scoring.TrackAsync(FailedLogins($"{prefix}-{i}")));

        var alerts = await ReadAsync(call, sessions);
        Assert.Equal(sessions, alerts.Select(x => x.SessionId).Distinct().Count());
        AssertGapless(alerts);
    }
}

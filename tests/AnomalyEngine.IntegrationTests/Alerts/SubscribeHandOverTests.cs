using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>
/// Backlog-to-live hand-over under concurrent production, and replicas: every alert exactly once, in
/// cursor order, whether the subscriber was there from the start, joined mid-way with a cursor, or
/// joined mid-way "from now", and whichever replica produced or serves it.
/// </summary>
public sealed class SubscribeHandOverTests : IAsyncLifetime
{
    private EngineServer _a = null!;
    private EngineServer _b = null!;

    public async Task InitializeAsync()
    {
        _a = await StartAsync();
        _b = await StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Subscribers_joining_mid_production_with_a_cursor_or_from_now_get_an_exact_gapless_suffix()
    {
        var tenant = NewTenant();
        var (ca, cb) = (For(_a, tenant), For(_b, tenant));
        const int sessions = 2000;
        var prefix = Sid("ho");
        using var cts = new CancellationTokenSource();

        // The reference subscriber is there from the start (on B while A and B both produce).
        using var all = await SubscribeAsync(cb.Alerts, new SubscribeRequest(), cts.Token);
        var production = Task.Run(async () =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                var client = i % 2 == 0 ? ca : cb;
                var r = await client.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}"));
                Assert.NotEqual("", r.Verdicts[0].AlertCursor);
            });
        });

        // Mid-way: one subscriber resumes from a cursor the reference received, one starts "from now".
        var head = await ReadAsync(all, sessions / 4);
        using var resumed = await SubscribeAsync(ca.Alerts, new SubscribeRequest { ResumeAfter = head[^1].Cursor }, cts.Token);
        using var fromNow = await SubscribeAsync(ca.Alerts, new SubscribeRequest(), cts.Token);
        await production;

        var marker = prefix + "-marker";
        await ca.Scoring.TrackAsync(FailedLogins(marker));
        var reference = head.Concat(await ReadUntilAsync(all, a => a.SessionId == marker)).ToList();
        var fromCursor = await ReadUntilAsync(resumed, a => a.SessionId == marker);
        var live = await ReadUntilAsync(fromNow, a => a.SessionId == marker);

        // Reference: every session exactly once, cursors strictly increasing without holes.
        Assert.Equal(sessions + 1, reference.Count);
        Assert.Equal(sessions + 1, reference.Select(a => a.SessionId).Distinct().Count());
        AssertGapless(reference);
        // Resumed: exactly everything after the cursor, in order.
        Assert.Equal(reference.Skip(head.Count).Select(a => a.Cursor), fromCursor.Select(a => a.Cursor));
        // From now: a contiguous suffix of the reference, same alerts, starting right after the start
        // position announced in the response headers.
        var start = reference.FindIndex(a => a.Cursor == live[0].Cursor);
        Assert.True(start >= 0);
        Assert.Equal(Seq(live[0].Cursor) - 1, Seq((await fromNow.ResponseHeadersAsync).GetValue("ae-start-cursor")!));
        Assert.Equal(reference.Skip(start).Select(a => (a.Cursor, a.SessionId)), live.Select(a => (a.Cursor, a.SessionId)));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task An_alert_produced_on_replica_A_reaches_a_live_subscriber_on_replica_B()
    {
        var tenant = NewTenant();
        var (ca, cb) = (For(_a, tenant), For(_b, tenant));
        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(cb.Alerts, new SubscribeRequest(), cts.Token);
        var s = Sid("rep");

        var r = await ca.Scoring.TrackAsync(FailedLogins(s));

        var alert = (await ReadAsync(call, 1))[0];
        Assert.Equal(s, alert.SessionId);
        Assert.Equal(r.Verdicts[0].AlertCursor, alert.Cursor);
    }

    [Fact]
    public async Task Alerts_of_another_tenant_are_not_delivered()
    {
        var (mine, other) = (For(_a, NewTenant()), For(_a, NewTenant()));
        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(mine.Alerts, new SubscribeRequest { FromOldest = true }, cts.Token);

        await other.Scoring.TrackAsync(FailedLogins(Sid("other")));
        var s = Sid("mine");
        await mine.Scoring.TrackAsync(FailedLogins(s));

        Assert.Equal(s, (await ReadAsync(call, 1))[0].SessionId);
    }
}

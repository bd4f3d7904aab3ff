using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.State.Keys;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using CoreSeverity = AnomalyEngine.Core.Verdicts.Severity;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>When a verdict raises an alert, what the alert carries, and the dedup rule (also across replicas).</summary>
public sealed class AlertProductionTests : IAsyncLifetime
{
    // Severity climbs with failed actions: 2 → Low, 4 → Medium, 6 → High, 8 → Critical.
    private static CoreSeverity Ladder(Core.Sessions.SessionState s) => s.Failures switch
    {
        >= 8 => CoreSeverity.Critical,
        >= 6 => CoreSeverity.High,
        >= 4 => CoreSeverity.Medium,
        >= 2 => CoreSeverity.Low,
        _ => CoreSeverity.None,
    };

    private EngineServer _baseline = null!;
    private EngineServer _a = null!;
    private EngineServer _b = null!;

    public async Task InitializeAsync()
    {
        _baseline = await StartAsync();
        _a = await StartAsync(rule: Ladder);
        _b = await StartAsync(rule: Ladder);
    }

    public async Task DisposeAsync()
    {
        await _baseline.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task A_session_turning_anomalous_raises_one_alert_carrying_verdict_trigger_and_the_Track_cursor()
    {
        var tenant = For(_baseline, NewTenant());
        var s = Sid("turn");
        // "/" is the shop's usual entry page in the shipped model's training traffic (docs/simulator.md).
        var normal = await tenant.Scoring.TrackAsync(Batch(View(s, "/", T0)));
        Assert.Equal("", normal.Verdicts[0].AlertCursor);

        var login = FailedLogins(s, t0: T0 + 1000, user: "alice");
        var turned = await tenant.Scoring.TrackAsync(login);
        var verdict = turned.Verdicts[0];
        Assert.True(verdict.Anomalous);
        Assert.NotEqual("", verdict.AlertCursor);
        // The shipped model decides the severity: one more failure alerts again only if it escalates.
        var again = await tenant.Scoring.TrackAsync(Batch(Action(s, "login", T0 + 5000, success: false)));
        Assert.True(again.Verdicts[0].Anomalous);
        var escalated = again.Verdicts[0].Severity > verdict.Severity;
        Assert.Equal(escalated, again.Verdicts[0].AlertCursor != "");

        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { FromOldest = true }, cts.Token);
        Assert.Equal("v1:0", (await call.ResponseHeadersAsync).GetValue("ae-start-cursor"));
        var alert = (await ReadAsync(call, 1))[0];
        Assert.Equal(verdict.AlertCursor, alert.Cursor);
        Assert.Equal(verdict.AlertCursor, alert.Verdict.AlertCursor);
        Assert.Equal(s, alert.SessionId);
        Assert.Equal("alice", alert.UserId);
        Assert.True(alert.Time > 0);
        Assert.Equal(verdict.Score, alert.Verdict.Score);
        Assert.Equal(verdict.Severity, alert.Verdict.Severity);
        Assert.Equal(verdict.ModelVersion, alert.Verdict.ModelVersion);
        Assert.Equal(verdict.Reasons, alert.Verdict.Reasons);
        Assert.Equal(login.Events[^1], alert.Trigger);

        if (escalated)
        {
            Assert.Equal(again.Verdicts[0].AlertCursor, (await ReadAsync(call, 1))[0].Cursor);
        }

        // Nothing else is in this tenant's feed: the next alert is the marker.
        var marker = s + "-marker";
        await tenant.Scoring.TrackAsync(FailedLogins(marker));
        var next = await ReadAsync(call, 1);
        Assert.Equal(marker, next[0].SessionId);
    }

    [Fact]
    public async Task Escalation_raises_a_new_alert_and_staying_at_a_severity_does_not()
    {
        var tenant = For(_a, NewTenant());
        var s = Sid("esc");
        var cursors = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var r = await tenant.Scoring.TrackAsync(Batch(Action(s, "login", T0 + i * 100, success: false)));
            cursors.Add(r.Verdicts[0].AlertCursor);
        }
        // Failures 2, 4, 6, 8 cross into Low, Medium, High, Critical; the others stay.
        Assert.Equal([false, true, false, true, false, true, false, true, false], cursors.Select(c => c.Length > 0));

        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { FromOldest = true }, cts.Token);
        var alerts = await ReadAsync(call, 4);
        Assert.Equal([Severity.Low, Severity.Medium, Severity.High, Severity.Critical], alerts.Select(a => a.Verdict.Severity));
        Assert.Equal(cursors.Where(c => c.Length > 0), alerts.Select(a => a.Cursor));
    }

    [Fact]
    public async Task A_repeat_at_the_alerted_severity_is_suppressed_without_a_round_trip_to_the_feed()
    {
        var tenant = NewTenant();
        var client = For(_a, tenant);
        var s = Sid("repeat");
        var db = _a.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var seen = RedisKeys.AlertFeed(tenant, 0).Seen; // the append script stamps it on every call
        var alerted = await client.Scoring.TrackAsync(Batch(Action(s, "login", T0, success: false), Action(s, "login", T0 + 100, success: false)));
        Assert.NotEqual("", alerted.Verdicts[0].AlertCursor);
        var stamped = await db.SortedSetScoreAsync(seen, s);
        await Task.Delay(20);

        var repeat = await client.Scoring.TrackAsync(Batch(Action(s, "login", T0 + 200, success: false)));

        Assert.True(repeat.Verdicts[0].Anomalous);
        Assert.Equal("", repeat.Verdicts[0].AlertCursor);
        Assert.Equal(stamped, await db.SortedSetScoreAsync(seen, s));
    }

    [Fact]
    public async Task One_session_scored_concurrently_through_two_replicas_alerts_at_most_once_per_severity()
    {
        var tenant = NewTenant();
        var (ca, cb) = (For(_a, tenant), For(_b, tenant));
        var s = Sid("dup");
        const int events = 40;
        var sends = Enumerable.Range(0, events).Select(async i =>
        {
            var client = i % 2 == 0 ? ca.Scoring : cb.Scoring;
            var r = await client.TrackAsync(Batch(Action(s, "login", T0 + i, success: false, eventId: $"e{i}")));
            return r.Verdicts[0].AlertCursor;
        });
        var raised = (await Task.WhenAll(sends)).Where(c => c.Length > 0).ToList();

        using var cts = new CancellationTokenSource();
        using var call = await SubscribeAsync(cb.Alerts, new SubscribeRequest { FromOldest = true }, cts.Token);
        var marker = s + "-marker";
        await ca.Scoring.TrackAsync(FailedLogins(marker, count: 2));
        var alerts = (await ReadUntilAsync(call, a => a.SessionId == marker)).SkipLast(1).ToList();

        // Replicas may see verdicts out of order, so a level can be skipped, never repeated: severities
        // strictly rise and the session's final level (Critical) is alerted exactly once.
        Assert.All(alerts, a => Assert.Equal(s, a.SessionId));
        var severities = alerts.Select(a => a.Verdict.Severity).ToList();
        Assert.Equal(severities.Order().Distinct(), severities);
        Assert.Equal(Severity.Critical, severities[^1]);
        Assert.Equal(raised.Order(StringComparer.Ordinal), alerts.Select(a => a.Cursor).Order(StringComparer.Ordinal));
    }
}

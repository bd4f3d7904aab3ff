using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>
/// Retention by age and the re-alert interval, on a server whose clock the test moves (the store's own
/// clock is not involved: alert times come from the server's TimeProvider).
/// </summary>
public sealed class FeedClockTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await StartAsync(
        new Dictionary<string, string?> { ["Alerts:MaxAge"] = "1.00:00:00", ["Alerts:ReAlertInterval"] = "00:10:00" },
        // A fixed severity once anomalous, so only the clock decides whether the session alerts again.
        rule: state => state.Failures >= 2 ? Core.Verdicts.Severity.Medium : Core.Verdicts.Severity.None,
        more: services => services.AddSingleton<TimeProvider>(_time));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Alerts_older_than_MaxAge_are_trimmed_on_the_next_append()
    {
        var tenant = For(_server, NewTenant());
        var s1 = Sid("old");
        var s2 = Sid("new");
        var first = (await tenant.Scoring.TrackAsync(FailedLogins(s1))).Verdicts[0].AlertCursor;
        _time.Advance(TimeSpan.FromDays(2));
        var second = (await tenant.Scoring.TrackAsync(FailedLogins(s2))).Verdicts[0].AlertCursor;

        // Resuming right after the trimmed alert is still exact...
        using var cts = new CancellationTokenSource();
        using var resumed = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { ResumeAfter = first }, cts.Token);
        var next = (await ReadAsync(resumed, 1))[0];
        Assert.Equal((s2, second), (next.SessionId, next.Cursor));
        // ...but resuming from before it would miss it: OUT_OF_RANGE.
        var before = $"v1:{Seq(first) - 1}";
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = tenant.Alerts.Subscribe(new SubscribeRequest { ResumeAfter = before });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);
    }

    [Fact]
    public async Task A_session_staying_anomalous_alerts_again_only_after_the_re_alert_interval()
    {
        var tenant = For(_server, NewTenant());
        var s = Sid("re");
        var t = Events.T0;
        Assert.NotEqual("", (await tenant.Scoring.TrackAsync(FailedLogins(s, t0: t))).Verdicts[0].AlertCursor);
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("", (await tenant.Scoring.TrackAsync(Events.Batch(Events.Action(s, "login", t + 10_000, success: false)))).Verdicts[0].AlertCursor);
        _time.Advance(TimeSpan.FromMinutes(2));
        var again = (await tenant.Scoring.TrackAsync(Events.Batch(Events.Action(s, "login", t + 20_000, success: false)))).Verdicts[0];
        Assert.True(again.Anomalous);
        Assert.NotEqual("", again.AlertCursor);
    }
}

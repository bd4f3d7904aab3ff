using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;
using CoreSeverity = AnomalyEngine.Core.Verdicts.Severity;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>Filters, request validation and cursors outside retention.</summary>
public sealed class SubscribeFilterTests : IAsyncLifetime
{
    // Severity from the number of failed actions: 2 → Low, 3 → Medium, 4 → High, 5+ → Critical.
    private static CoreSeverity ByFailures(Core.Sessions.SessionState s) => s.Failures switch
    {
        >= 5 => CoreSeverity.Critical,
        4 => CoreSeverity.High,
        3 => CoreSeverity.Medium,
        2 => CoreSeverity.Low,
        _ => CoreSeverity.None,
    };

    private EngineServer _server = null!;
    private EngineServer _small = null!;

    public async Task InitializeAsync()
    {
        _server = await StartAsync(rule: ByFailures);
        _small = await StartAsync(new Dictionary<string, string?> { ["Alerts:MaxRecords"] = "5" });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _small.DisposeAsync();
    }

    [Fact]
    public async Task Filters_by_min_severity_session_user_reason_and_detector()
    {
        var tenant = For(_server, NewTenant());
        var p = Sid("f");
        // One session per severity (a single batch jumps straight to it), two users.
        var sessions = new Dictionary<CoreSeverity, string>();
        foreach (var (failures, severity) in new[] { (2, CoreSeverity.Low), (3, CoreSeverity.Medium), (4, CoreSeverity.High), (5, CoreSeverity.Critical) })
        {
            sessions[severity] = $"{p}-{severity}";
            var r = await tenant.Scoring.TrackAsync(FailedLogins(sessions[severity], failures, user: failures % 2 == 0 ? "even" : "odd"));
            Assert.Equal(Wire(severity), r.Verdicts[0].Severity);
        }

        async Task<List<string>> Matching(AlertFilter filter)
        {
            using var cts = new CancellationTokenSource();
            using var call = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { Filter = filter, FromOldest = true }, cts.Token);
            // A marker matching every filter below ends the read: what came before is exactly the match set.
            var marker = $"{p}-marker-{Guid.NewGuid():N}";
            await tenant.Scoring.TrackAsync(FailedLogins(marker, 4, user: "even"));
            var got = await ReadUntilAsync(call, a => a.SessionId == marker);
            return got.SkipLast(1).Select(a => a.SessionId).Where(id => !id.Contains("-marker-", StringComparison.Ordinal)).ToList();
        }

        Assert.Equal([sessions[CoreSeverity.High], sessions[CoreSeverity.Critical]], await Matching(new AlertFilter { MinSeverity = Severity.High }));
        // A session filter hides any marker, so that session itself escalates to end the read.
        var medium = sessions[CoreSeverity.Medium];
        using (var cts = new CancellationTokenSource())
        {
            using var call = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { Filter = new AlertFilter { SessionId = medium }, FromOldest = true }, cts.Token);
            await tenant.Scoring.TrackAsync(Events.Batch(Events.Action(medium, "login", Events.T0 + 10_000, success: false)));
            var got = await ReadUntilAsync(call, a => a.Verdict.Severity == Severity.High);
            Assert.All(got, a => Assert.Equal(medium, a.SessionId));
            Assert.Equal([Severity.Medium, Severity.High], got.Select(a => a.Verdict.Severity));
        }
        Assert.Equal([sessions[CoreSeverity.Low], sessions[CoreSeverity.High]], await Matching(new AlertFilter { UserId = "even" }));
        // The Medium session's escalation to High is a RULE_HIGH alert too.
        Assert.Equal([sessions[CoreSeverity.High], medium], await Matching(new AlertFilter { ReasonCodes = { "RULE_HIGH", "NO_SUCH_CODE" } }));
        Assert.Equal(5, (await Matching(new AlertFilter { Detectors = { "navigation", "rule" } })).Count);
    }

    [Theory]
    [InlineData("garbage", false, 0, "", "resume_after")]
    [InlineData("v1:1.2", false, 0, "", "resume_after")]
    [InlineData("v1:5", true, 0, "", "from_oldest")]
    [InlineData("", false, 42, "", "filter.min_severity")]
    [InlineData("", false, 0, "x\u0001", "filter.session_id")]
    public async Task A_bad_request_is_INVALID_ARGUMENT_naming_the_field(string cursor, bool fromOldest, int severity, string session, string field)
    {
        var tenant = For(_server, NewTenant());
        var request = new SubscribeRequest
        {
            ResumeAfter = cursor,
            FromOldest = fromOldest,
            Filter = new AlertFilter { MinSeverity = (Severity)severity, SessionId = session },
        };
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = tenant.Alerts.Subscribe(request);
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cursor_older_than_retention_is_OUT_OF_RANGE_and_from_oldest_gets_what_is_retained()
    {
        var tenant = For(_small, NewTenant());
        var p = Sid("ret");
        var cursors = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            cursors.Add((await tenant.Scoring.TrackAsync(FailedLogins($"{p}-{i}"))).Verdicts[0].AlertCursor);
        }

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = tenant.Alerts.Subscribe(new SubscribeRequest { ResumeAfter = cursors[0] });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);

        using var cts = new CancellationTokenSource();
        // The cursor just before the oldest retained record still resumes without a gap.
        using var resumed = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { ResumeAfter = cursors[2] }, cts.Token);
        Assert.Equal(cursors.Skip(3), (await ReadAsync(resumed, 5)).Select(a => a.Cursor));
        using var oldest = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { FromOldest = true }, cts.Token);
        Assert.Equal(cursors.Skip(3), (await ReadAsync(oldest, 5)).Select(a => a.Cursor));
    }
}

using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Scoring;

/// <summary>Track, TrackStream, GetSession and EndSession through a real server and store.</summary>
public sealed class ScoringServiceTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Track_returns_one_verdict_per_session_in_order_of_first_appearance()
    {
        var a = TestStore.SessionId(nameof(Track_returns_one_verdict_per_session_in_order_of_first_appearance));
        var b = a + "-b";
        var response = await _server.Scoring.TrackAsync(Batch(
            View(a, "/home", T0), View(b, "/home", T0), Action(a, "login", T0 + 1000, success: true), View(a, "/account", T0 + 2000)));

        Assert.Equal([a, b], response.Verdicts.Select(v => v.SessionId));
        Assert.Equal(3, response.Verdicts[0].EventsSeen);
        Assert.Equal(1, response.Verdicts[1].EventsSeen);
        Assert.All(response.Verdicts, v => Assert.InRange(v.Score, 0, 1));
        Assert.All(response.Verdicts, v => Assert.NotEqual(Severity.Unspecified, v.Severity));
        Assert.All(response.Verdicts, v => Assert.False(string.IsNullOrEmpty(v.ModelVersion)));
    }

    [Fact]
    public async Task A_session_that_moves_to_another_device_and_country_mid_session_is_flagged_with_context_reasons()
    {
        var moved = TestStore.SessionId("context-moved");
        var stayed = moved + "-control";
        static Event From(Event e, string ip, string device, string country)
        {
            e.Attributes.Add(new Dictionary<string, string> { ["ip"] = ip, ["device"] = device, ["country"] = country });
            return e;
        }
        // The same four pages with human gaps; the change crosses two calls, so the stored state
        // carries the first half's context into the second.
        async Task<Verdict> Visit(string s, bool move)
        {
            await _server.Scoring.TrackAsync(Batch(
                From(View(s, "/", T0), "10.20.30.40", "desktop-chrome", "DE"),
                From(View(s, "/catalog", T0 + 9_000), "10.20.30.40", "desktop-chrome", "DE")));
            var (ip, device, country) = move ? ("203.0.113.9", "app-android", "NG") : ("10.20.30.40", "desktop-chrome", "DE");
            var response = await _server.Scoring.TrackAsync(Batch(
                From(View(s, "/", T0 + 20_000), ip, device, country),
                From(View(s, "/catalog", T0 + 31_000), ip, device, country)));
            return Assert.Single(response.Verdicts);
        }

        var control = await Visit(stayed, move: false);
        var verdict = await Visit(moved, move: true);

        Assert.False(control.Anomalous, $"control score {control.Score}");
        Assert.True(verdict.Anomalous, $"score {verdict.Score}");
        var device = Assert.Single(verdict.Reasons, r => r.Code == "DEVICE_CHANGED");
        Assert.Equal("context", device.Detector);
        Assert.StartsWith("device changed mid-session (1 time); 0% of training sessions changed it", device.Message);
        Assert.Equal("1", device.Evidence["changes"]);
        Assert.Single(verdict.Reasons, r => r.Code == "COUNTRY_CHANGED");

        // The session's live state shows what changed; an ip-less session would show no "ip".
        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = moved });
        Assert.Equal(new Dictionary<string, long> { ["ip"] = 1, ["device"] = 1, ["country"] = 1 }, info.ContextChanges);
        var still = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = stayed });
        Assert.Equal(new Dictionary<string, long> { ["ip"] = 0, ["device"] = 0, ["country"] = 0 }, still.ContextChanges);
    }

    [Fact]
    public async Task A_user_signing_in_from_a_new_device_network_and_country_scores_against_their_history()
    {
        var user = TestStore.SessionId("user");
        var session = TestStore.SessionId("user-session");
        // Every event signed in and from one place; nothing changes within a session.
        async Task<Verdict> Visit(string s, long t0, string ip, string device, string country)
        {
            Event From(Event e)
            {
                e.UserId = user;
                e.Attributes.Add(new Dictionary<string, string> { ["ip"] = ip, ["device"] = device, ["country"] = country });
                return e;
            }
            await _server.Scoring.TrackAsync(Batch(From(View(s, "/", t0))));
            var response = await _server.Scoring.TrackAsync(Batch(From(View(s, "/catalog", t0 + 9_000)), From(View(s, "/account", t0 + 17_000))));
            return Assert.Single(response.Verdicts);
        }

        // Three sessions at home (the same /24, device and country), then one from home again and
        // one from elsewhere.
        for (var i = 0; i < 3; i++)
        {
            Assert.False((await Visit($"{session}-{i}", T0 + 3_600_000 * i, $"10.20.30.{40 + i}", "desktop-chrome", "DE")).Anomalous);
        }
        var home = await Visit($"{session}-home", T0 + 3_600_000 * 3, "10.20.30.99", "desktop-chrome", "DE");
        var away = await Visit($"{session}-away", T0 + 3_600_000 * 4, "203.0.113.9", "desktop-edge", "NG");

        // Alone, the new device, network and country put the session above 95 % of held-out normal
        // sessions (0.99 at its end with the shipped model, offline); they do not alert alone at
        // its 99.5 % threshold: they add to what the other detectors see.
        Assert.InRange(home.Score, 0, 0.9);
        Assert.InRange(away.Score, 0.95, 1);
        var homeInfo = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = $"{session}-home" });
        Assert.Equal((3, 0), (homeInfo.UserHistory.EarlierSessions, homeInfo.UserHistory.NewAttributes.Count));
        var awayInfo = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = $"{session}-away" });
        Assert.Equal(4, awayInfo.UserHistory.EarlierSessions);
        Assert.Equal(["ip", "device", "country"], awayInfo.UserHistory.NewAttributes);
        Assert.True(awayInfo.Features["user_novelty"] > 10, $"user_novelty {awayInfo.Features["user_novelty"]}");
        // A session that never signs in is never checked.
        var guest = TestStore.SessionId("guest");
        await _server.Scoring.TrackAsync(Batch(View(guest, "/", T0)));
        Assert.Null((await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = guest })).UserHistory);
    }

    [Fact]
    public async Task GetSession_shows_counts_path_and_failures_per_action()
    {
        var s = TestStore.SessionId(nameof(GetSession_shows_counts_path_and_failures_per_action));
        await _server.Scoring.TrackAsync(Batch(View(s, "/login", T0), Action(s, "login", T0 + 500, false), Action(s, "login", T0 + 900, false)));
        await _server.Scoring.TrackAsync(Batch(Action(s, "login", T0 + 1500, true), View(s, "/account", T0 + 4000)));

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });

        Assert.Equal(5, info.Events);
        Assert.Equal(2, info.Views);
        Assert.Equal(3, info.Actions);
        Assert.Equal(2, info.Failures);
        Assert.Equal(T0, info.FirstTs);
        Assert.Equal(T0 + 4000, info.LastTs);
        Assert.Equal(["/login", "login", "login", "login", "/account"], info.RecentPath.Select(p => p.Name));
        var login = Assert.Single(info.ActionsByName);
        Assert.Equal(("login", 3L, 2L), (login.Name, login.Attempts, login.Failures));
        Assert.NotEmpty(info.Features);
        Assert.Equal(5, info.Verdict.EventsSeen);
        Assert.True(info.ExpiresAt > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task EndSession_returns_the_final_verdict_and_forgets_the_session()
    {
        var s = TestStore.SessionId(nameof(EndSession_returns_the_final_verdict_and_forgets_the_session));
        await _server.Scoring.TrackAsync(Batch(View(s, "/home", T0), View(s, "/cart", T0 + 2000)));

        var ended = await _server.Scoring.EndSessionAsync(new EndSessionRequest { SessionId = s });

        Assert.True(ended.Verdict.Final);
        Assert.Equal(2, ended.Verdict.EventsSeen);
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        var again = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.EndSessionAsync(new EndSessionRequest { SessionId = s }));
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task TrackStream_answers_each_batch_by_id_and_survives_a_bad_batch()
    {
        var s = TestStore.SessionId(nameof(TrackStream_answers_each_batch_by_id_and_survives_a_bad_batch));
        using var call = _server.Scoring.TrackStream();
        var responses = new List<TrackResponse>();
        var reader = Task.Run(async () =>
        {
            await foreach (var r in call.ResponseStream.ReadAllAsync())
            {
                responses.Add(r);
            }
        });
        for (var i = 0; i < 20; i++)
        {
            var batch = Batch(View(s, $"/page/{i % 3}", T0 + i * 1000));
            batch.BatchId = $"b{i}";
            await call.RequestStream.WriteAsync(batch);
        }
        var bad = Batch(View("", "/x", T0));
        bad.BatchId = "bad";
        await call.RequestStream.WriteAsync(bad);
        var last = Batch(View(s, "/end", T0 + 30_000));
        last.BatchId = "last";
        await call.RequestStream.WriteAsync(last);
        await call.RequestStream.CompleteAsync();
        await reader;

        Assert.Equal(22, responses.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"b{i}").Append("bad").Append("last"), responses.Select(r => r.BatchId));
        Assert.Equal(20, responses[19].Verdicts.Single().EventsSeen);
        Assert.Equal("INVALID_ARGUMENT", responses[20].Error.Code);
        Assert.Contains(responses[20].Error.Violations, v => v.Field == "events[0].session_id");
        Assert.Equal(21, responses[21].Verdicts.Single().EventsSeen);
    }

    [Fact]
    public async Task Out_of_order_events_are_counted_but_never_make_negative_gaps()
    {
        var s = TestStore.SessionId(nameof(Out_of_order_events_are_counted_but_never_make_negative_gaps));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0 + 5000)));
        await _server.Scoring.TrackAsync(Batch(View(s, "/b", T0 + 1000)));
        await _server.Scoring.TrackAsync(Batch(View(s, "/c", T0 + 6000)));

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });

        Assert.Equal(3, info.Events);
        Assert.Equal(1, info.OutOfOrder);
        Assert.Equal(T0 + 6000, info.LastTs);
        Assert.Equal(T0 + 5000, info.FirstTs);
    }

    [Fact]
    public async Task Events_of_one_session_in_a_batch_are_applied_in_time_order()
    {
        var s = TestStore.SessionId(nameof(Events_of_one_session_in_a_batch_are_applied_in_time_order));
        await _server.Scoring.TrackAsync(Batch(View(s, "/second", T0 + 2000), View(s, "/first", T0 + 1000), View(s, "/third", T0 + 3000)));

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });

        Assert.Equal(0, info.OutOfOrder);
        Assert.Equal(["/first", "/second", "/third"], info.RecentPath.Select(p => p.Name));
    }

    [Fact]
    public async Task Events_of_one_session_with_equal_times_keep_their_batch_order()
    {
        var s = TestStore.SessionId(nameof(Events_of_one_session_with_equal_times_keep_their_batch_order));
        var other = s + "-other";
        // Two sessions in one batch are grouped; one session alone takes the single-session path.
        await _server.Scoring.TrackAsync(Batch(View(s, "/later", T0 + 2000), View(other, "/x", T0), View(s, "/b", T0 + 1000), View(s, "/a", T0 + 1000)));
        await _server.Scoring.TrackAsync(Batch(View(other, "/z", T0 + 3000), View(other, "/y", T0 + 2000), View(other, "/w", T0 + 2000)));

        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });
        var otherInfo = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = other });

        Assert.Equal(["/b", "/a", "/later"], info.RecentPath.Select(p => p.Name));
        Assert.Equal(["/x", "/y", "/w", "/z"], otherInfo.RecentPath.Select(p => p.Name));
    }
}

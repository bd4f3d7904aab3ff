using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.State.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.IntegrationTests.State;

/// <summary>
/// The live user history (user_history.lua) must answer every check as the offline book does, or
/// training would learn from other novelty than serving sees; and a session's recorded check must
/// survive every later batch of the session script.
/// </summary>
public sealed class UserHistoryParityTests : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private RedisSessionStore _sessions = null!;
    private UserHistoryStore _users = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(TestStore.Configuration);
        var options = Options.Create(new SessionStoreOptions());
        _sessions = new RedisSessionStore(_redis, options, TimeProvider.System);
        _users = new UserHistoryStore(_redis, options);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Lua_and_csharp_histories_answer_every_check_alike(int seed)
    {
        // Three users, sessions drawn again and again (a repeated check of one session), values from
        // pools wider than the 16 remembered per attribute, ts that tie and go back.
        var rng = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var book = new UserHistoryBook();
        var digests = new ushort[SessionContext.Count];
        var novel = new int[SessionContext.Count];
        var repeats = 0;
        var seen = new HashSet<string>();
        var ts = Events.T0;
        for (var i = 0; i < 400; i++)
        {
            var user = $"u{rng.Next(3)}-{run}";
            var session = $"s{rng.Next(150)}-{run}";
            repeats += seen.Add(session) ? 0 : 1;
            ts += rng.Next(4) == 0 ? -rng.Next(0, 5000) : rng.Next(0, 60_000);
            var attributes = new Dictionary<string, string>();
            if (rng.Next(6) > 0)
            {
                attributes["ip"] = $"10.{rng.Next(5)}.{rng.Next(8)}.{rng.Next(1, 255)}";
            }
            if (rng.Next(6) > 0)
            {
                attributes["device"] = $"device-{rng.Next(25)}";
            }
            if (rng.Next(6) > 0)
            {
                attributes["country"] = rng.Next(4) == 0 ? $"C{rng.Next(30)}" : "DE";
            }
            var e = new SessionEvent(session, ts, EventKind.View, "/", null, null, user, null, attributes);
            UserHistory.Digests(e, digests);

            var expected = book.Check(user, UserHistory.SessionTag(session), ts, digests);
            var actual = await _users.CheckAsync("default", session, user, e);

            Assert.True(expected == actual, $"check {i} ({session}, {user}): offline {expected}, live {actual}");
            for (var a = 0; a < novel.Length; a++)
            {
                novel[a] += expected.IsNovel((ContextAttribute)a) ? 1 : 0;
            }
        }
        // The run exercised what it claims: repeated sessions, and new as well as known values.
        Assert.True(repeats > 100);
        Assert.All(novel, n => Assert.InRange(n, 20, 380));
    }

    [Fact]
    public async Task One_call_apply_then_check_leaves_what_the_three_calls_leave()
    {
        // Twin sessions of twin users, the same batches: one asking the apply to check it (one call
        // where one node holds both keys), one through apply, check and mark. A guest batch first
        // (nothing to check), the sign-in, then a batch from elsewhere (checked already).
        var run = TestStore.SessionId("one-call");
        SessionEvent E(string session, int i, string? user, string ip) => new(session, Events.T0 + 1000 * i, EventKind.View, $"/p/{i}", null, null, user, $"id{i}",
            new Dictionary<string, string> { ["ip"] = ip, ["device"] = "desktop-chrome", ["country"] = "DE" });
        (string Ip, bool SignedIn)[] batches = [("10.1.2.3", false), ("10.1.2.3", true), ("203.0.113.9", true)];
        var checks = new List<UserCheck?>[2];
        var checkedInApply = false;
        for (var path = 0; path < 2; path++)
        {
            var session = $"{run}-{path}";
            var user = $"{run}-user-{path}";
            await _users.CheckAsync("default", $"{session}-earlier", user, E(session, 0, user, "10.9.9.9"));
            checks[path] = [];
            for (var b = 0; b < batches.Length; b++)
            {
                var e = E(session, b + 1, batches[b].SignedIn ? user : null, batches[b].Ip);
                var request = path == 0 && batches[b].SignedIn ? new UserCheckRequest(user, e) : (UserCheckRequest?)null;
                var state = (await _sessions.ApplyAsync("default", session, [e], request)).Snapshot.State;
                // At the sign-in, before any check here: whether the apply's own call checked it.
                checkedInApply |= path == 0 && b == 1 && state.UserCheck is not null;
                if (state.UserCheck is null && state.UserId is not null)
                {
                    state.UserCheck = await _users.CheckAsync("default", session, user, e);
                    Assert.True(await _sessions.RecordUserCheckAsync("default", session, state.UserCheck.Value));
                }
                checks[path].Add(state.UserCheck);
            }
            checks[path].Add((await _sessions.GetAsync("default", session))!.State.UserCheck);
            // The user's history after it: a later session from the last batch's network finds it new.
            checks[path].Add(await _users.CheckAsync("default", $"{session}-next", user, E(session, 9, user, "203.0.113.9")));
        }
        Assert.Equal(checks[1], checks[0]);
        Assert.Equal([null, new UserCheck(1, 1), new UserCheck(1, 1), new UserCheck(1, 1), new UserCheck(1, 2)], checks[0]);
        // A single Redis or Garnet makes it one call; a cluster, the three.
        Assert.Equal(_redis.GetServers().All(s => s.ServerType == ServerType.Standalone), checkedInApply);
    }

    [Fact]
    public async Task A_recorded_check_survives_later_batches_and_folds_and_the_first_one_stands()
    {
        var session = TestStore.SessionId("user-check");
        var attributes = new Dictionary<string, string> { ["ip"] = "10.1.2.3", ["device"] = "desktop-chrome", ["country"] = "DE" };
        SessionEvent E(int i) => new(session, Events.T0 + 1000 * i, EventKind.View, $"/p/{i % 9}", null, null, "u-1", $"id{i}", attributes);

        await _sessions.ApplyAsync("default", session, [E(0)]);
        Assert.True(await _sessions.RecordUserCheckAsync("default", session, new UserCheck(1 | 2, 7)));
        Assert.False(await _sessions.RecordUserCheckAsync("default", session, new UserCheck(4, 9)));
        // Past the tail cap, in batches: the script folds the tail and rewrites the whole value.
        for (var i = 1; i < 150; i += 7)
        {
            var result = await _sessions.ApplyAsync("default", session, [.. Enumerable.Range(i, 7).Select(E)]);
            Assert.Equal(new UserCheck(1 | 2, 7), result.Snapshot.State.UserCheck);
        }
        var read = await _sessions.GetAsync("default", session);
        Assert.Equal((155L, new UserCheck(1 | 2, 7)), (read!.State.Events, read.State.UserCheck));
    }

    [Fact]
    public async Task Two_tenants_keep_separate_histories_of_the_same_user_id()
    {
        var user = TestStore.SessionId("shared-user");
        var attributes = new Dictionary<string, string> { ["ip"] = "10.1.2.3", ["device"] = "desktop-chrome", ["country"] = "DE" };
        SessionEvent E(string session) => new(session, Events.T0, EventKind.View, "/", null, null, user, null, attributes);

        await _users.CheckAsync("tenant-a", "s1", user, E("s1"));
        Assert.Equal(new UserCheck(0, 1), await _users.CheckAsync("tenant-a", "s2", user, E("s2")));
        Assert.Equal(new UserCheck(1 | 2 | 4, 0), await _users.CheckAsync("tenant-b", "s3", user, E("s3")));
    }

    [Fact]
    public async Task A_check_is_not_recorded_for_an_unknown_session_or_one_without_context()
    {
        var unknown = TestStore.SessionId("user-check-unknown");
        Assert.False(await _sessions.RecordUserCheckAsync("default", unknown, new UserCheck(1, 1)));
        Assert.Null(await _sessions.GetAsync("default", unknown));

        var bare = TestStore.SessionId("user-check-bare");
        await _sessions.ApplyAsync("default", bare, [new SessionEvent(bare, Events.T0, EventKind.View, "/", null, null, "u-1", "id0")]);
        Assert.False(await _sessions.RecordUserCheckAsync("default", bare, new UserCheck(1, 1)));
        Assert.Null((await _sessions.GetAsync("default", bare))!.State.UserCheck);
    }
}

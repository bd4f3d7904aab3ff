using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.UnitTests.Scoring;

namespace AnomalyEngine.UnitTests.Features;

/// <summary>
/// A signed-in session against its user's earlier sessions: which network, device and country are
/// new to the user, checked once per session in ts order across the file, and how rare that is for
/// returning users with as many earlier sessions.
/// </summary>
public sealed class UserHistoryUnitTests
{
    private static Dictionary<string, string> At(string ip, string device = "desktop-chrome", string country = "DE")
        => new() { ["ip"] = ip, ["device"] = device, ["country"] = country };

    private static SessionEvent V(string session, long t, string name, string? user, IReadOnlyDictionary<string, string>? attributes = null)
        => new(session, SyntheticSessions.T0 + t, EventKind.View, name, UserId: user, Attributes: attributes);

    private static ushort[] Digests(string ip, string device = "desktop-chrome", string country = "DE")
    {
        var d = new ushort[SessionContext.Count];
        UserHistory.Digests(V("s", 0, "/", "u", At(ip, device, country)), d);
        return d;
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.0/24")]
    [InlineData("10.1.2.250", "10.1.2.0/24")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.0/24")]
    [InlineData("2001:db8:1:2:3::1", "20010db800010002/64")]
    [InlineData("not-an-ip", "not-an-ip")]
    public void An_address_is_compared_by_its_network(string ip, string network) => Assert.Equal(network, UserHistory.NetworkOf(ip));

    [Fact]
    public void The_book_counts_sessions_once_and_remembers_values_until_sixteen_newer_ones_push_them_out()
    {
        var book = new UserHistoryBook();
        Assert.Equal(new UserCheck(1 | 2 | 4, 0), book.Check("u", 1, 1000, Digests("10.0.0.1")));
        // Another address of the same /24, same device and country: nothing new, one earlier session.
        Assert.Equal(new UserCheck(0, 1), book.Check("u", 2, 2000, Digests("10.0.0.77")));
        // Session 3 from a phone on a carrier; checked again (a retry): the same answer, counted once.
        var phone = Digests("172.16.5.9", "mobile-ios-safari");
        Assert.Equal(new UserCheck(1 | 2, 2), book.Check("u", 3, 3000, phone));
        Assert.Equal(new UserCheck(1 | 2, 2), book.Check("u", 3, 3001, phone));
        Assert.Equal(new UserCheck(0, 3), book.Check("u", 4, 4000, phone));
        // Another user is another history; an absent attribute is neither new nor remembered.
        Assert.Equal(new UserCheck(1 | 2 | 4, 0), book.Check("v", 5, 5000, Digests("10.0.0.1")));
        Assert.Equal(new UserCheck(0, 4), book.Check("u", 6, 6000, [0, 0, 0]));

        // Sixteen more devices: the desktop, seen longest ago, is forgotten; the phone (seen later) is not.
        for (var i = 0; i < 15; i++)
        {
            book.Check("u", (uint)(10 + i), 10_000 + i, Digests("10.0.0.1", $"device-{i}"));
        }
        Assert.Equal(new UserCheck(0, 20), book.Check("u", 30, 20_000, Digests("10.0.0.1", "mobile-ios-safari")));
        Assert.Equal(new UserCheck(2, 21), book.Check("u", 31, 20_001, Digests("10.0.0.1", "desktop-chrome")));
        // Back again, it pushed out device-0; device-new pushes out device-1, device-0 then device-2.
        book.Check("u", 32, 20_002, Digests("10.0.0.1", "device-new"));
        Assert.Equal(new UserCheck(2, 23), book.Check("u", 33, 20_003, Digests("10.0.0.1", "device-0")));
        Assert.Equal(new UserCheck(0, 24), book.Check("u", 34, 20_004, Digests("10.0.0.1", "device-3")));
    }

    [Fact]
    public void A_file_is_checked_in_ts_order_at_the_first_event_with_a_user_and_an_attribute()
    {
        // "late" comes first in the file but signs in only after "early" was checked.
        var late = new List<SessionEvent>
        {
            V("late", 0, "/", null, At("10.0.0.1")), V("late", 9_000, "/login", null, At("10.0.0.1")),
            V("late", 60_000, "/account", "u", At("10.0.0.1")), V("late", 61_000, "/orders", "u", At("10.0.0.1")),
        };
        var early = new List<SessionEvent> { V("early", 30_000, "/", "u", At("10.0.0.1")), V("early", 40_000, "/cart", "u") };
        var guest = new List<SessionEvent> { V("guest", 0, "/", null, At("10.0.0.1")) };
        var sessions = SessionReplayer.Group([.. late, .. early, .. guest]);

        var users = UserChecks.Run(sessions);

        Assert.Equal(2, users.Count);
        Assert.True(users.TryGet(early, out var at, out var check));
        Assert.Equal((0, new UserCheck(1 | 2 | 4, 0)), (at, check));
        Assert.True(users.TryGet(late, out at, out check));
        Assert.Equal((2, new UserCheck(0, 1)), (at, check));
        Assert.False(users.TryGet(guest, out _, out _));
        // Replay sets the check after the event it fell due at, and keeps it.
        Assert.Equal([null, null, check, check], SessionReplayer.Prefixes(late, users: users).Select(s => s.UserCheck).ToArray());
        Assert.Null(SessionReplayer.Replay(late).UserCheck);
    }

    [Fact]
    public void Novelty_weighs_by_how_often_returning_users_bring_a_new_value_and_networks_by_device()
    {
        var network = new UserHistoryBaseline([100, 100, 100, 100, 100, 100], [40, 30, 20, 10, 10, 10]);
        var device = new UserHistoryBaseline([100, 100, 100, 100, 100, 100], [20, 5, 1, 0, 0, 0]);
        var country = UserHistoryBaseline.Empty();
        var b = new SessionBaselines(1, 1, 0, 1, 0.5, new Dictionary<string, NameBaseline>(), new Dictionary<string, TransitionBaseline>(),
            devices: [new DeviceBaseline("desktop-chrome", 200, 0, 180, 0), new DeviceBaseline("mobile-ios-safari", 200, 20, 180, 90)],
            userHistory: [network, device, country]);
        var desktop = SessionContext.Digest("desktop-chrome");

        Assert.Equal([0, 1, 2, 2, 3, 3, 4, 4, 5, 5], new[] { 1, 2, 3, 4, 5, 8, 9, 16, 17, 255 }.Select(UserHistoryBaseline.BucketOf));
        // Nothing new, or nothing to compare with: no rarity.
        Assert.Equal(0, b.UserNoveltyRarity(ContextAttribute.Device, new UserCheck(1 | 4, 3), desktop));
        Assert.Equal(0, b.UserNoveltyRarity(ContextAttribute.Device, new UserCheck(2, 0), desktop));
        // A new device after 3–4 earlier sessions: 1 of 100 training sessions, smoothed.
        Assert.Equal(-Math.Log(1.5 / 101), b.UserNoveltyRarity(ContextAttribute.Device, new UserCheck(2, 4), desktop), 12);
        // A new network: the bucket's 20 % shrunk towards the device's own share (0 of 180 desktops, 90 of 180 phones).
        var bucket = 20.5 / 101;
        var w = SessionBaselines.DevicePriorWeight;
        Assert.Equal(-Math.Log(w * bucket / (180 + w)), b.UserNoveltyRarity(ContextAttribute.Ip, new UserCheck(1, 3), desktop), 12);
        Assert.Equal(-Math.Log((90 + w * bucket) / (180 + w)), b.UserNoveltyRarity(ContextAttribute.Ip, new UserCheck(1, 3), SessionContext.Digest("mobile-ios-safari")), 12);
        Assert.Equal(-Math.Log(0.5), b.UserNoveltyRarity(ContextAttribute.Country, new UserCheck(4, 200), desktop), 12);
    }

    [Fact]
    public void A_returning_user_from_a_new_device_network_and_country_scores_high_and_is_explained_after_a_save_and_load()
    {
        // 300 users with eight sessions each at home, a quarter of them once from a second device.
        var events = new List<SessionEvent>();
        var r = new Random(3);
        for (var u = 0; u < 300; u++)
        {
            for (var k = 0; k < 8; k++)
            {
                var id = $"u{u}-s{k}";
                var t = (k * 300 + u) * 60_000L;
                var device = u % 4 == 0 && k == 3 ? "mobile-ios-safari" : "desktop-chrome";
                foreach (var (page, i) in new[] { "/", "/catalog", "/account" }.Select((p, i) => (p, i)))
                {
                    events.Add(V(id, t + i * r.Next(4_000, 9_000), page, $"user-{u}", At($"10.{u % 200}.{u / 200}.{2 + k}", device)));
                }
            }
        }
        using var saved = new SavedModel(new ModelTrainer(new ModelTrainerOptions { Seed = 2, MinGroupRows = 200, TargetFpr = 0.01 }).Train(events, null));
        var b = saved.Loaded.Model.Baselines;
        Assert.Equal(saved.Trained.Model.Baselines.UserHistory.Select(h => h.Novel.Sum()), b.UserHistory.Select(h => h.Novel.Sum()));
        Assert.True(b.UserHistory[(int)ContextAttribute.Device].Novel.Sum() > 0);
        Assert.Equal(0, b.UserHistory[(int)ContextAttribute.Country].Novel.Sum());

        // A user's ninth session from home, another's from elsewhere, replayed after the training file.
        string[] pages = ["/", "/catalog", "/account"];
        var home = pages.Select((p, i) => V("home", 3_000 * 60_000L + i * 6_000, p, "user-7", At("10.7.0.9"))).ToList();
        var away = pages.Select((p, i) => V("away", 3_001 * 60_000L + i * 6_000, p, "user-9", At("203.0.113.9", "desktop-firefox", "NG"))).ToList();
        var sessions = SessionReplayer.Group([.. events, .. home, .. away]);
        var users = UserChecks.Run(sessions);
        var homeState = SessionReplayer.Replay(home, users: users);
        var awayState = SessionReplayer.Replay(away, users: users);

        Assert.Equal((new UserCheck(0, 8), new UserCheck(1 | 2 | 4, 8)), (homeState.UserCheck, awayState.UserCheck));
        Assert.Equal(saved.Trained.ScoreValue(awayState, true), saved.Loaded.ScoreValue(awayState, true));
        Assert.True(saved.Loaded.ScoreValue(awayState, false) > 0.99, $"away {saved.Loaded.ScoreValue(awayState, false)}");
        Assert.False(saved.Loaded.Score(homeState, final: true).Anomalous);
        var v = saved.Loaded.Score(awayState, final: false, explain: true);
        var country = Assert.Single(v.Reasons, x => x.Code == "NEW_COUNTRY_FOR_USER");
        Assert.Equal("context", country.Detector);
        Assert.Matches(@"^country new for user user-9, not used in 8 earlier sessions; 0 of [0-9,]+ training sessions of users with 5–8 earlier sessions brought a new country$", country.Message);
        Assert.Single(v.Reasons, x => x.Code == "NEW_DEVICE_FOR_USER");
        Assert.Single(v.Reasons, x => x.Code == "NEW_NETWORK_FOR_USER");

        // Baselines without the per-bucket counts are refused at load, naming the file.
        var error = saved.LoadWithEditedBaselines(json => json["context"]![0]!.AsObject().Remove("userNovel"));
        Assert.Contains("baselines.json", error.Message);
        Assert.Contains("user_checks and user_novel", error.Message);
    }
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.UnitTests.Scoring;

namespace AnomalyEngine.UnitTests.Features;

/// <summary>
/// Where a session's events come from: ip, device and country changes within a session, counted by
/// the reducer and weighed by how often training sessions on the same device changed their ip.
/// </summary>
public sealed class SessionContextUnitTests
{
    private static Dictionary<string, string> At(string ip, string device = "desktop-chrome", string country = "DE")
        => new() { ["ip"] = ip, ["device"] = device, ["country"] = country };

    private static SessionEvent V(string id, long t, string name, IReadOnlyDictionary<string, string>? attributes)
        => new(id, SyntheticSessions.T0 + t, EventKind.View, name, Attributes: attributes);

    /// <summary>A shop visit of five pages; the ip changes to <paramref name="newIp"/> before the fourth when given.</summary>
    private static List<SessionEvent> Visit(Random r, string id, string device, string? newIp = null)
    {
        string[] pages = ["/", "/catalog", "/product/1", "/account", "/account/orders"];
        var t = 0L;
        return pages.Select((p, i) => V(id, t += r.Next(3_000, 9_000), p, At(i >= 3 && newIp is not null ? newIp : "10.0.0.1", device))).ToList();
    }

    /// <summary>Desktop sessions never change ip; one phone session in five does (Wi-Fi to carrier).</summary>
    private static List<SessionEvent> Training(int sessions, int seed)
    {
        var r = new Random(seed);
        var events = new List<SessionEvent>();
        for (var i = 0; i < sessions; i++)
        {
            var phone = i % 2 == 1;
            events.AddRange(Visit(r, $"s{i}", phone ? "mobile-ios-safari" : "desktop-chrome", phone && i % 10 == 1 ? "172.16.0.9" : null));
        }
        return events;
    }

    [Fact]
    public void A_change_is_an_event_whose_value_differs_from_the_latest_before_it()
    {
        var events = new[]
        {
            V("s", 0, "/", At("10.0.0.1")),
            V("s", 1, "/a", At("10.0.0.1")),
            V("s", 2, "/b", null),                                  // no attributes: nothing changes
            V("s", 3, "/c", new Dictionary<string, string> { ["ip"] = "10.0.0.2" }),
            V("s", 4, "/d", At("10.0.0.1", "mobile-ios-safari", "DE")),
            V("s", 5, "/e", new Dictionary<string, string> { ["ip"] = "", ["country"] = "FR" }), // an empty value is absent
        };

        var s = SessionReplayer.Replay(events);

        Assert.Equal(2, s.Context(ContextAttribute.Ip).Changes);
        Assert.Equal(SessionContext.Digest("10.0.0.1"), s.Context(ContextAttribute.Ip).Digest);
        Assert.Equal(1, s.Context(ContextAttribute.Device).Changes);
        Assert.Equal(1, s.Context(ContextAttribute.Country).Changes);
        Assert.Equal(SessionContext.Digest("FR"), s.Context(ContextAttribute.Country).Digest);
        Assert.Equal(0, SessionReplayer.Replay([V("t", 0, "/", null)]).Context(ContextAttribute.Ip).Digest);
    }

    [Fact]
    public void Changes_stop_counting_at_what_the_state_stores_and_digests_are_stable()
    {
        var events = Enumerable.Range(0, 400).Select(i => V("s", i, "/", At($"10.0.{i % 2}.1"))).ToList();

        Assert.Equal(SessionContext.MaxChanges, SessionReplayer.Replay(events).Context(ContextAttribute.Ip).Changes);
        // Live states written by one process are read by others: the digest must not depend on the
        // process (string.GetHashCode does), so it is pinned here.
        Assert.Equal(0x6033, SessionContext.Digest("10.0.0.1"));
        Assert.NotEqual(0, SessionContext.Digest(""));
    }

    [Fact]
    public void An_ip_change_weighs_by_how_often_sessions_on_the_same_device_change_theirs()
    {
        var training = SessionReplayer.Group(Training(400, seed: 3)).Select(g => g.Value).ToList();
        var b = SyntheticSessions.Baselines(training);
        var extractor = new SessionFeatureExtractor(b);
        var f = new double[FeatureSchema.Count];
        double Rarity(List<SessionEvent> events)
        {
            extractor.Extract(SessionReplayer.Replay(events), f);
            return f[FeatureSchema.CtxIpChangeRarity];
        }

        Assert.Equal(new ContextBaseline(400, 40), b.Context[(int)ContextAttribute.Ip]);
        Assert.Equal(new ContextBaseline(400, 0), b.Context[(int)ContextAttribute.Device]);
        Assert.Equal(["desktop-chrome", "mobile-ios-safari"], b.Devices.Select(d => d.Device).Order());
        var r = new Random(7);
        var desktop = Rarity(Visit(r, "d", "desktop-chrome", "203.0.113.7"));
        var phone = Rarity(Visit(r, "p", "mobile-ios-safari", "203.0.113.7"));
        var unknownDevice = Rarity(Visit(r, "u", "smart-fridge", "203.0.113.7"));
        Assert.Equal(0, Rarity(Visit(r, "n", "desktop-chrome")));
        // 0 of 200 desktop sessions changed ip, shrunk towards 40 of 400 over all devices.
        Assert.Equal(-Math.Log(20 * (40.5 / 401) / 220), desktop, 9);
        Assert.Equal(-Math.Log((40 + 20 * (40.5 / 401)) / 220), phone, 9);
        Assert.Equal(-Math.Log(40.5 / 401), unknownDevice, 9);
        Assert.True(desktop > unknownDevice && unknownDevice > phone);
    }

    [Fact]
    public void A_session_whose_device_and_country_change_is_flagged_and_explained_after_a_save_and_load()
    {
        using var saved = new SavedModel(new ModelTrainer(new ModelTrainerOptions { Seed = 2, MinGroupRows = 200, TargetFpr = 0.01 })
            .Train(Training(900, seed: 4), null));
        var r = new Random(9);
        var roaming = SessionReplayer.Replay(Visit(r, "roam", "mobile-ios-safari", "172.16.0.9"));
        var taken = Visit(r, "taken", "desktop-chrome");
        taken.AddRange(new[] { "/account/payout", "/account/settings" }.Select((p, i) => V("taken", 60_000 + 5_000 * i, p, At("198.51.100.4", "desktop-firefox", "NG"))));
        var hijacked = SessionReplayer.Replay(taken);

        Assert.Equal(saved.Trained.ScoreValue(hijacked, true), saved.Loaded.ScoreValue(hijacked, true));
        Assert.False(saved.Loaded.Score(roaming, final: true).Anomalous);
        var v = saved.Loaded.Score(hijacked, final: false, explain: true);
        Assert.True(v.Anomalous, $"score {v.Score}");
        var device = Assert.Single(v.Reasons, x => x.Code == "DEVICE_CHANGED");
        Assert.Equal("context", device.Detector);
        Assert.Matches(@"^device changed mid-session \(1 time\); 0% of training sessions changed it \(0 of [0-9,]+\)$", device.Message);
        Assert.Single(v.Reasons, x => x.Code == "COUNTRY_CHANGED");

        // Only the ip changes, on a desktop: the reason compares with the same device's sessions.
        var desktop = SessionReplayer.Replay(Visit(r, "desk", "desktop-chrome", "198.51.100.4"));
        var ip = Assert.Single(saved.Loaded.Score(desktop, final: true, explain: true).Reasons, x => x.Code == "IP_CHANGED");
        Assert.Equal("desktop-chrome", ip.Evidence["device"]);
        Assert.Equal("0", ip.Evidence["device_changed_sessions"]);
        Assert.Matches(@"^ip changed mid-session \(1 time\) on desktop-chrome, where 0 of [0-9,]+ training sessions changed it \([0-9.]+% over all devices\)$", ip.Message);

        // Baselines without an entry for an attribute are refused at load, naming the file.
        var error = saved.LoadWithEditedBaselines(json => json["context"]!.AsArray().RemoveAt(1));
        Assert.Contains("baselines.json", error.Message);
        Assert.Contains("\"device\"", error.Message);
    }
}

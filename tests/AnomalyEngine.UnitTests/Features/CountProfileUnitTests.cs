using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.UnitTests.Scoring;

namespace AnomalyEngine.UnitTests.Features;

/// <summary>
/// The count-profile detector on HDFS-like blocks: "alloc", three "recv", three "ack" every time,
/// 0–2 "retry" and 0–1 "ping" that vary from block to block (never 2 retries with a ping). One more
/// "recv" than ever is a broken block; 2 retries with a ping, never seen together, are not.
/// </summary>
public sealed class CountProfileUnitTests
{
    private static SessionEvent V(string id, long t, string name) => new(id, SyntheticSessions.T0 + t, EventKind.View, name);

    private static List<SessionEvent> Block(string id, int recv, int retry, int ping, params string[] extra)
    {
        var names = new List<string> { "alloc" };
        names.AddRange(Enumerable.Repeat("recv", recv));
        names.AddRange(Enumerable.Repeat("retry", retry));
        names.AddRange(Enumerable.Repeat("ping", ping));
        names.AddRange(Enumerable.Repeat("ack", 3));
        names.AddRange(extra);
        return names.Select((n, k) => V(id, k * 1000L, n)).ToList();
    }

    /// <summary>
    /// Blocks with 0, 1 or 2 retries in turn, and a ping in every other three unless 2 retries.
    /// With <paramref name="retryStorms"/>, every 30th block retries 3 or more times, each a number
    /// of its own: counts that no other block ends with, as real training data has.
    /// </summary>
    private static List<SessionEvent> Training(int sessions, bool retryStorms = false)
    {
        var events = new List<SessionEvent>();
        for (var i = 0; i < sessions; i++)
        {
            var retry = retryStorms && i % 30 == 29 ? 3 + i / 30 : i % 3;
            events.AddRange(Block($"b{i}", 3, retry, retry < 2 ? i / 3 % 2 : 0));
        }
        return events;
    }

    private static double Weight(CountProfileTable t, string name) => t.Weights[Array.IndexOf(t.Names, name)];

    [Fact]
    public void A_name_whose_count_never_varies_costs_more_than_one_that_varies()
    {
        var table = SyntheticSessions.Baselines(SessionReplayer.Group(Training(90)).Select(g => g.Value)).CountProfiles;

        // 90 sessions: recv is always 3 → ln(91/1); retry is other than its most common count in 60
        // → ln(91/61); ping is in 30 → ln(91/31).
        Assert.Equal(Math.Log(91.0), Weight(table, "recv"), 9);
        Assert.Equal(Math.Log(91.0 / 61.0), Weight(table, "retry"), 9);
        Assert.Equal(Math.Log(91.0 / 31.0), Weight(table, "ping"), 9);
        Assert.Equal([30L, 15, 15, 15, 15], table.Profiles.Select(p => p.Sessions));

        Assert.Equal(0, table.Distance(SessionReplayer.Replay(Block("usual", 3, 2, 0))));
        // 2 retries with a ping: nearest is 1 retry with a ping.
        Assert.Equal(Weight(table, "retry"), table.Distance(SessionReplayer.Replay(Block("combined", 3, 2, 1))), 9);
        Assert.Equal(Weight(table, "recv"), table.Distance(SessionReplayer.Replay(Block("broken", 4, 1, 0))), 9);
        // A name the table does not hold is left to the rare-name features.
        Assert.Equal(0, table.Distance(SessionReplayer.Replay(Block("new", 3, 1, 0, "never-seen"))));
    }

    [Fact]
    public void The_feature_is_set_for_final_verdicts_only()
    {
        var extractor = new SessionFeatureExtractor(SyntheticSessions.Baselines(SessionReplayer.Group(Training(90)).Select(g => g.Value)));
        var broken = SessionReplayer.Replay(Block("broken", 4, 1, 0));
        var f = new double[FeatureSchema.Count];

        extractor.Extract(broken, f);
        Assert.Equal(0, f[FeatureSchema.NavCountProfileDistance]);
        extractor.Extract(broken, f, final: true);
        Assert.Equal(Math.Log(1 + Math.Log(91.0)), f[FeatureSchema.NavCountProfileDistance], 9);
    }

    [Fact]
    public void Counts_without_a_repeated_structure_keep_no_profiles()
    {
        // Every session ends with counts of its own (1–32 × "/home", then one of 33 pages): more profiles than the table holds.
        var sessions = Enumerable.Range(0, CountProfileTable.MaxProfiles + 1)
            .Select(i => Enumerable.Repeat("/home", 1 + i % 32).Append($"/p{i / 32}").Select((n, k) => V($"s{i}", k * 1000L, n)).ToList());
        var table = SyntheticSessions.Baselines(sessions).CountProfiles;

        Assert.Empty(table.Profiles);
        Assert.Equal(0, table.Distance(SessionReplayer.Replay(Block("any", 4, 1, 0))));
        Assert.Equal(-1, table.Nearest(SessionReplayer.Replay(Block("any", 4, 1, 0)), out _));
    }

    [Fact]
    public void Weights_that_do_not_match_the_names_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CountProfileTable(["a", "b"], [1.0], []));
        Assert.Throws<ArgumentException>(() => new CountProfileTable(["a"], [double.NaN], []));
        Assert.Throws<ArgumentException>(() => new CountProfileTable(["a"], [1.0], [new CountProfile([1, 2], 1)]));
    }

    [Fact]
    public void A_broken_block_is_flagged_at_its_end_and_explained_after_a_save_and_load()
    {
        // Training blocks that end with counts of their own teach the tail that a cheap difference
        // (one retry more or less) is ordinary; one more "recv" than ever is not.
        using var saved = new SavedModel(new ModelTrainer(new ModelTrainerOptions { Seed = 2, MinGroupRows = 200, TargetFpr = 0.01 })
            .Train(Training(900, retryStorms: true), null));
        var broken = SessionReplayer.Replay(Block("broken", 4, 1, 0));
        var combined = SessionReplayer.Replay(Block("combined", 3, 2, 1));

        Assert.Equal(saved.Trained.ScoreValue(broken, true), saved.Loaded.ScoreValue(broken, true));
        Assert.False(saved.Loaded.Score(combined, final: true).Anomalous);
        var v = saved.Loaded.Score(broken, final: true, explain: true);
        Assert.True(v.Anomalous, $"score {v.Score}");
        var reason = Assert.Single(v.Reasons, r => r.Code == "NAV_UNUSUAL_COUNTS");
        Assert.Equal("navigation", reason.Detector);
        Assert.Equal("recv", reason.Evidence["names"]);
        Assert.Equal("4", reason.Evidence["counts"]);
        Assert.Equal("3", reason.Evidence["nearest_counts"]);
        Assert.Contains("recv 4× against 3× in the nearest (recv's count is unusual in ", reason.Message);

        // A count for a name the table does not have is refused at load, naming the file.
        var error = saved.LoadWithEditedBaselines(json => json["countProfiles"]![0]!["counts"]!["nowhere"] = 2);
        Assert.Contains("baselines.json", error.Message);
        Assert.Contains("\"nowhere\"", error.Message);
    }
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.UnitTests.Scoring;

namespace AnomalyEngine.UnitTests.Features;

/// <summary>
/// The combination-of-names detector: block-like sessions where every name, every step and every
/// pair of names is familiar, yet one combination never occurs (HDFS-style).
/// </summary>
public sealed class NameSetUnitTests
{
    private static SessionEvent V(string id, long t, string name) => new(id, SyntheticSessions.T0 + t, EventKind.View, name);

    /// <summary>
    /// "alloc", three "recv", three "ack", then two of "x", "y", "z" in random order: the sets
    /// {x,y}, {y,z} and {x,z} are all common, {x,y,z} never occurs.
    /// </summary>
    private static List<SessionEvent> Block(Random r, string id, params string[] tail)
    {
        var names = new List<string> { "alloc", "recv", "recv", "recv", "ack", "ack", "ack" };
        names.AddRange(tail.OrderBy(_ => r.Next()));
        var t = 0L;
        return names.Select(n => V(id, t += r.Next(800, 1200), n)).ToList();
    }

    private static List<SessionEvent> Training(int sessions, int seed)
    {
        var r = new Random(seed);
        string[][] kinds = [["x", "y"], ["y", "z"], ["x", "z"]];
        var events = new List<SessionEvent>();
        for (var i = 0; i < sessions; i++)
        {
            events.AddRange(Block(r, $"b{i}", kinds[i % 3]));
        }
        return events;
    }

    private static SessionBaselines Baselines(params List<SessionEvent>[] sessions) => SyntheticSessions.Baselines(sessions);

    [Fact]
    public void Each_set_a_session_holds_is_counted_once_and_its_last_as_final()
    {
        var b = Baselines(
            [V("s1", 0, "a"), V("s1", 1, "b"), V("s1", 2, "a"), V("s1", 3, "c")],
            [V("s2", 0, "a"), V("s2", 1, "b")]);
        var sets = b.NameSets;
        ulong Mask(params string[] names) => names.Aggregate(0UL, (m, n) => m | 1UL << sets.IndexOf(n));

        Assert.Equal(new NameSetCount(Mask("a"), 2, 0), sets.CountOf(Mask("a")));
        Assert.Equal(new NameSetCount(Mask("a", "b"), 2, 1), sets.CountOf(Mask("a", "b")));
        Assert.Equal(new NameSetCount(Mask("a", "b", "c"), 1, 1), sets.CountOf(Mask("a", "b", "c")));
        Assert.Equal(new NameSetCount(Mask("b"), 0, 0), sets.CountOf(Mask("b")));
        Assert.Equal(["a", "b", "c"], sets.NamesOf(Mask("a", "b", "c")).Order());
    }

    [Fact]
    public void Novelty_is_one_for_a_combination_of_familiar_names_never_seen_together()
    {
        var training = SessionReplayer.Group(Training(90, seed: 3)).Select(g => g.Value).ToArray();
        var extractor = new SessionFeatureExtractor(Baselines(training));
        var f = new double[FeatureSchema.Count];

        extractor.Extract(SessionReplayer.Replay(Block(new Random(1), "n", "x", "z")), f);
        Assert.Equal(1.0 / (1 + 30), f[FeatureSchema.NavFinalNameSetNovelty], 9);
        Assert.True(f[FeatureSchema.NavNameSetNovelty] <= 1.0 / (1 + 30));

        extractor.Extract(SessionReplayer.Replay(Block(new Random(1), "odd", "x", "y", "z")), f);
        Assert.Equal(1.0, f[FeatureSchema.NavFinalNameSetNovelty]);
        Assert.Equal(1.0, f[FeatureSchema.NavNameSetNovelty]);
        Assert.Equal(0, f[FeatureSchema.NavUnseenNames]);
    }

    [Fact]
    public void Nearest_set_is_the_one_fewest_names_away_and_most_held_on_a_tie()
    {
        var b = Baselines(
            [V("s1", 0, "a"), V("s1", 1, "b")],
            [V("s2", 0, "a"), V("s2", 1, "b")],
            [V("s3", 0, "a"), V("s3", 1, "c")],
            [V("s4", 0, "a"), V("s4", 1, "b"), V("s4", 2, "c"), V("s4", 3, "d")]);
        var sets = b.NameSets;
        ulong Mask(params string[] names) => names.Aggregate(0UL, (m, n) => m | 1UL << sets.IndexOf(n));

        // {a,b,c} is one name from {a,b} (held at the end by 2), {a,c} (1) and {a,b,c,d} (1).
        Assert.Equal(Mask("a", "b"), sets.Nearest(Mask("a", "b", "c"), final: true)!.Value.Mask);
        // After some event, s4 held {a,b,c} itself; the table does not offer a set as its own nearest.
        Assert.NotEqual(Mask("a", "b", "c"), sets.Nearest(Mask("a", "b", "c"), final: false)!.Value.Mask);
        Assert.Null(NameSetTable.Empty.Nearest(0, final: true));
    }

    [Fact]
    public void Sets_held_by_one_session_are_dropped_when_the_table_would_grow_past_its_cap()
    {
        // 24 names in random halves: nearly every session's set is its own.
        var r = new Random(5);
        var names = Enumerable.Range(0, 24).Select(i => $"/p{i}").ToArray();
        var builder = new SessionBaselinesBuilder(seed: 1);
        for (var i = 0; i < NameSetTable.MaxSets + 100; i++)
        {
            var picked = names.Where(_ => r.Next(2) == 0).Prepend("/home").ToList();
            var events = picked.Select((n, k) => V($"s{i}", k * 1000, n)).ToList();
            builder.AddSession(events, SessionReplayer.Replay(events));
        }
        var sets = builder.Build().NameSets;

        Assert.True(sets.Counts.Count() <= NameSetTable.MaxSets, $"{sets.Counts.Count()} sets kept");
        Assert.All(sets.Counts, c => Assert.True(c.Passes >= 2));
        Assert.Equal(NameSetTable.MaxSets + 100, sets.CountOf(1UL << sets.IndexOf("/home")).Passes);
    }

    [Fact]
    public void The_unseen_combination_is_flagged_and_explained_after_a_save_and_load()
    {
        using var saved = new SavedModel(new ModelTrainer(new ModelTrainerOptions { Seed = 2, MinGroupRows = 200, TargetFpr = 0.01 })
            .Train(Training(900, seed: 4), null));
        var odd = SessionReplayer.Replay(Block(new Random(9), "odd", "x", "y", "z"));
        var usual = SessionReplayer.Replay(Block(new Random(9), "usual", "x", "y"));

        Assert.Equal(saved.Trained.ScoreValue(odd, true), saved.Loaded.ScoreValue(odd, true));
        Assert.False(saved.Loaded.Score(usual, final: true).Anomalous);
        var v = saved.Loaded.Score(odd, final: true, explain: true);
        Assert.True(v.Anomalous, $"score {v.Score}");
        var reason = Assert.Single(v.Reasons, r => r.Code == "NAV_UNSEEN_COMBINATION");
        Assert.Equal("navigation", reason.Detector);
        Assert.All(new[] { "x", "y", "z" }, n => Assert.Contains(n, reason.Evidence["names"].Split(',')));
        Assert.Contains("together: 0 of ", reason.Message);
        // The nearest combination training had: two of the three, so one name is the odd one out.
        Assert.Contains(reason.Evidence["nearest_extra"], new[] { "x", "y", "z" });
        Assert.Equal("", reason.Evidence["nearest_missing"]);
        Assert.Contains($"the same without {reason.Evidence["nearest_extra"]} (", reason.Message);

        // A set naming a bit the table does not have is refused at load, naming the file.
        var error = saved.LoadWithEditedBaselines(json => json["nameSets"]![0]!["mask"] = 1UL << 63);
        Assert.Contains("baselines.json", error.Message);
        Assert.Contains("bits beyond", error.Message);
    }
}

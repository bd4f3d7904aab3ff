using AnomalyEngine.Core.Events;
using AnomalyEngine.Scoring;
using AnomalyEngine.Scoring.Calibration;
using AnomalyEngine.Scoring.Evaluation;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.Simulation;
using Xunit.Abstractions;

namespace AnomalyEngine.UnitTests.Quality;

/// <summary>
/// Quality regression on the simulator's shop traffic, the shipped model's recipe (docs/quality.md,
/// "Simulated traffic"): train on 50,000 sessions of seed 1, normal ones only, default target FPR;
/// evaluate on a seed never trained on, with ten times the usual attack share so that every class,
/// the subtle ones included, has enough sessions for its recall to mean something. The floors are
/// the figures this test printed when written, less a margin.
/// </summary>
public sealed class SimulatorQualityUnitTests(ITestOutputHelper output)
{
    private const double MaxFpr = 0.006;
    private const double MinRocAuc = 0.995;

    // Recall floors per class. Since the name families (a rare product page no longer counts as
    // rare as an email change) it printed 0.98 for the subtle hijack and 0.70 for the subtle account
    // takeover, whose misses are victims without an earlier session in the file.
    private static readonly Dictionary<string, double> MinRecall = new()
    {
        ["credential_stuffing"] = 0.95, ["scraper"] = 0.95, ["account_takeover"] = 0.95, ["card_testing"] = 0.95,
        ["session_hijack"] = 0.95, ["credential_stuffing_subtle"] = 0.9, ["scraper_subtle"] = 0.9,
        ["card_testing_subtle"] = 0.9, ["session_hijack_subtle"] = 0.85, ["account_takeover_subtle"] = 0.5,
    };

    [Fact]
    public void Normal_only_training_on_simulated_traffic_meets_the_documented_floors()
    {
        var training = new TrafficSimulator(new SimulationOptions { Seed = 1, Sessions = 50_000 }).Generate().ToList();
        var result = new ModelTrainer(new ModelTrainerOptions { Seed = 7, NormalOnly = true })
            .Train(training.SelectMany(s => s.Events), Labels(training));
        var scorer = new BundleSessionScorer("quality-test", result.Model, result.Calibration, new AlertThresholder(result.AlertThreshold));

        var test = new TrafficSimulator(new SimulationOptions { Seed = 2, Sessions = 10_000, AttackRate = 0.1 }).Generate().ToList();
        var m = EvaluationMetrics.Compute(SessionEvaluator.Run(scorer, SessionReplayer.Group(test.SelectMany(s => s.Events)), Labels(test)), prior: null);
        output.WriteLine($"sessions {m.Sessions} (anomalous {m.Anomalous}); FPR {m.Fpr:0.00000} recall {m.Recall:0.0000} ROC-AUC {m.RocAuc:0.0000}");
        foreach (var c in m.ClassRecalls)
        {
            output.WriteLine($"{c.Class}: {c.Detected} of {c.Sessions} ({c.Recall:0.00})");
        }

        Assert.True(m.Fpr <= MaxFpr, $"FPR {m.Fpr:0.00000} > {MaxFpr}");
        Assert.True(m.RocAuc >= MinRocAuc, $"ROC-AUC {m.RocAuc:0.0000} < {MinRocAuc}");
        foreach (var (name, floor) in MinRecall)
        {
            var c = Assert.Single(m.ClassRecalls, x => x.Class == name);
            Assert.True(c.Recall >= floor, $"{name}: recall {c.Recall:0.00} ({c.Detected} of {c.Sessions}) < {floor}");
        }
    }

    private static Dictionary<string, SessionLabel> Labels(IEnumerable<SimulatedSession> sessions)
        => sessions.ToDictionary(s => s.SessionId, s => new SessionLabel(s.Label == 1, s.Class));
}

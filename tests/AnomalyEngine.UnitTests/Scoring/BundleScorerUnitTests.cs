using AnomalyEngine.Core.Detectors;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring.Bundles;
using AnomalyEngine.Scoring.Models;
using AnomalyEngine.Scoring.Training;
using Microsoft.ML;

namespace AnomalyEngine.UnitTests.Scoring;

public sealed class BundleScorerUnitTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    private Verdict Final(List<SessionEvent> events, bool explain = false)
    {
        var state = SessionReplayer.Replay(SessionReplayer.Group(events)[0].Value);
        return fixture.Bundle.Scorer.Score(state, final: true, explain);
    }

    private bool AnyPrefixFlags(List<SessionEvent> events)
    {
        foreach (var state in SessionReplayer.Prefixes(events))
        {
            if (fixture.Bundle.Scorer.Score(state, final: false).Anomalous)
            {
                return true;
            }
        }
        return false;
    }

    [Fact]
    public void Credential_stuffing_is_flagged_with_a_failed_action_reason()
    {
        var v = Final(SyntheticSessions.CredentialStuffing("cs1"));
        Assert.True(v.Anomalous);
        Assert.True(v.Severity >= Severity.Medium, $"severity {v.Severity}");
        Assert.Contains(v.Reasons, r => r.Code == "FAILED_ACTION_BURST" && r.Detector == "failed_actions" && r.Message.Contains("failed login"));
        // The failures are also what sits furthest from normal in the model's view, so the words
        // come before the model's reason (which entry or failure leads overall is the detectors' call).
        var reasons = string.Join(", ", v.Reasons.Select(r => $"{r.Code} ({r.Detector}) {r.Contribution:0.00}"));
        var words = v.Reasons.ToList().FindIndex(r => r.Detector == "failed_actions");
        var model = v.Reasons.ToList().FindIndex(r => r.Code == "MODEL_OUTLIER");
        Assert.True(words < model && model != 0, reasons);
    }

    [Fact]
    public void Scraper_with_even_gaps_is_flagged_for_regular_timing()
    {
        var v = Final(SyntheticSessions.Scraper(new Random(5), "bot1"));
        Assert.True(v.Anomalous);
        Assert.Contains(v.Reasons, r => r.Code is "TIMING_TOO_REGULAR" or "TIMING_TOO_FAST");
    }

    [Fact]
    public void Account_takeover_to_an_unknown_page_is_flagged_as_unseen_navigation()
    {
        var v = Final(SyntheticSessions.AccountTakeover("ato1"));
        Assert.True(v.Anomalous);
        Assert.Contains(v.Reasons, r => r.Code is "NAV_UNSEEN_TRANSITION" or "NAV_UNSEEN_NAME");
        var unseen = v.Reasons.First(r => r.Code is "NAV_UNSEEN_TRANSITION" or "NAV_UNSEEN_NAME");
        Assert.Contains("/admin/export", unseen.Message);
        Assert.InRange(unseen.Contribution, 0.0, 1.0);
    }

    [Fact]
    public void Short_normal_sessions_are_not_flagged_for_being_short()
    {
        // Held-out humans, scored after every event like the live path: almost none may alert,
        // and their 1- and 2-event prefixes never.
        var r = new Random(99);
        int flagged = 0, sessions = 400;
        for (var i = 0; i < sessions; i++)
        {
            var events = SyntheticSessions.Human(r, $"t{i}");
            var n = 0;
            foreach (var state in SessionReplayer.Prefixes(events))
            {
                n++;
                var v = fixture.Bundle.Scorer.Score(state, final: false);
                if (n <= 2)
                {
                    Assert.False(v.Anomalous, $"session t{i} flagged after {n} events: {v.Score}");
                }
            }
            flagged += AnyPrefixFlags(events) ? 1 : 0;
        }
        Assert.True(flagged <= sessions * 0.05, $"{flagged} of {sessions} normal sessions flagged");
    }

    [Fact]
    public void Save_and_load_round_trip_gives_identical_scores()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ae-unit-rt-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Load twice from the fixture's folder and from a copy: both must score exactly alike.
            CopyDir(fixture.Dir, dir);
            var copy = ModelBundle.Load(dir);
            var r = new Random(7);
            for (var i = 0; i < 50; i++)
            {
                var events = i % 10 == 0 ? SyntheticSessions.CredentialStuffing($"c{i}") : SyntheticSessions.Human(r, $"x{i}");
                foreach (var state in SessionReplayer.Prefixes(events))
                {
                    Assert.Equal(fixture.Bundle.Scorer.ScoreValue(state, false), copy.Scorer.ScoreValue(state, false));
                }
            }
            Assert.Equal(fixture.Manifest.Version, copy.Manifest.Version);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Plain_csharp_pca_score_matches_mlnet()
    {
        var ml = new MLContext(1);
        var model = ml.Model.Load(Path.Combine(fixture.Dir, "pca.zip"), out _);
        var engine = ml.Model.CreatePredictionEngine<FeatureRow, PcaPrediction>(model);
        var pca = fixture.Bundle.Scorer.Model.Pca;
        var r = new Random(2);
        for (var i = 0; i < 20; i++)
        {
            var z = new double[pca.Dimension];
            var row = new FeatureRow { Features = new float[pca.Dimension] };
            for (var k = 0; k < z.Length; k++)
            {
                row.Features[k] = (float)(r.NextDouble() * 4 - 2);
                z[k] = row.Features[k];
            }
            var ours = pca.Score(z, out _, out _);
            Assert.Equal(engine.Predict(row).Score, ours, 3);
        }
    }

    [Fact]
    public void The_raw_score_counts_the_three_PCA_views_of_a_session_once()
    {
        // A scraper is far from the training mean in many standardized features, so the PCA's
        // relative error, residual and magnitude all register it: one piece of evidence, three views.
        var model = fixture.Bundle.Scorer.Model;
        var state = SessionReplayer.Replay(SyntheticSessions.Scraper(new Random(4), "scr"));
        var f = new double[Core.Features.FeatureSchema.Count];
        var z = new double[Core.Features.FeatureSchema.Count];
        var values = new double[model.ComponentCount];
        var surprises = new double[model.ComponentCount];
        model.ComputeComponents(state, final: true, f, z, values);
        var raw = model.RawScore(model.FinalGroup, values, surprises);

        var pca = PcaViews.Select(v => surprises[IndexOf(model, v.Name)]).ToArray();
        Assert.All(pca, s => Assert.True(s > 0, $"PCA views {string.Join(", ", pca)}"));
        var others = Enumerable.Range(0, model.ComponentCount)
            .Where(c => !PcaViews.Contains(model.Components[c])).Sum(c => surprises[c]);
        Assert.Equal(surprises.Max() + ScoringModel.SumWeight * (others + pca.Max()), raw, 9);
        Assert.True(raw < surprises.Max() + ScoringModel.SumWeight * (others + pca.Sum()));
    }

    [Fact]
    public void A_name_repeated_beyond_training_is_scored_by_its_own_component_and_not_again_by_the_PCA()
    {
        // The count excess is 0 in nearly every training prefix, so standardized against the
        // spread's floor one repeat too many lands far out; the PCA must not score it a second time.
        var model = fixture.Bundle.Scorer.Model;
        var state = SessionReplayer.Replay(SyntheticSessions.Humans(1, seed: 9));
        var group = model.GroupOf(state, final: false);
        var f = new double[Core.Features.FeatureSchema.Count];
        model.Extractor.Extract(state, f, final: false);
        var repeated = (double[])f.Clone();
        repeated[Core.Features.FeatureSchema.NavCountExcess] = f[Core.Features.FeatureSchema.NavCountExcess] + 3;

        var before = Components(model, f, group);
        var after = Components(model, repeated, group);

        Assert.True(after[IndexOf(model, "nav_count_excess")] > before[IndexOf(model, "nav_count_excess")]);
        foreach (var view in PcaViews)
        {
            Assert.Equal(before[IndexOf(model, view.Name)], after[IndexOf(model, view.Name)]);
        }
    }

    private static double[] Components(ScoringModel model, double[] features, int group)
    {
        var z = new double[Core.Features.FeatureSchema.Count];
        var values = new double[model.ComponentCount];
        model.ComponentsFromFeatures(features, group, z, values);
        return values;
    }

    // The PCA's relative error, residual and magnitude: three views of one standardized vector.
    private static readonly DetectorComponent[] PcaViews = [ScoringModel.PcaScore, ScoringModel.PcaResidual, ScoringModel.Magnitude];

    private static int IndexOf(ScoringModel model, string name) =>
        Enumerable.Range(0, model.ComponentCount).Single(c => model.Components[c].Name == name);

    [Fact]
    public void Training_is_reproducible_with_the_same_seed()
    {
        var events = SyntheticSessions.Humans(300, seed: 21);
        var options = new ModelTrainerOptions { Seed = 5, MinGroupRows = 200 };
        var a = new ModelTrainer(options).Train(events, null);
        var b = new ModelTrainer(options).Train(events, null);
        Assert.Equal(a.AlertThreshold, b.AlertThreshold);
        Assert.Equal(a.Calibration.SortedMaxima, b.Calibration.SortedMaxima);
        var probe = SessionReplayer.Replay(SyntheticSessions.CredentialStuffing("p"));
        Assert.Equal(a.Model.RawScore(probe, true), b.Model.RawScore(probe, true));
    }

    [Fact]
    public void By_default_every_normal_session_is_both_fitted_and_calibrated_on()
    {
        var events = SyntheticSessions.Humans(400, seed: 31);
        var result = new ModelTrainer(new ModelTrainerOptions { Seed = 5, MinGroupRows = 200 }).Train(events, null);
        Assert.Equal(2, result.Summary.CalibrationFolds);
        Assert.Equal(400, result.Summary.FitSessions);
        Assert.Equal(400, result.Summary.CalibrationSessions);
        Assert.Equal(400, result.Calibration.SortedMaxima.Length);
        var scorer = new AnomalyEngine.Scoring.BundleSessionScorer("x", result.Model, result.Calibration, new AnomalyEngine.Scoring.Calibration.AlertThresholder(result.AlertThreshold));
        Assert.True(scorer.Score(SessionReplayer.Replay(SyntheticSessions.CredentialStuffing("c")), final: true).Anomalous);
    }

    [Fact]
    public void Without_cross_calibration_the_calibration_sessions_are_held_out_from_the_fit()
    {
        var events = SyntheticSessions.Humans(400, seed: 31);
        var result = new ModelTrainer(new ModelTrainerOptions { Seed = 5, MinGroupRows = 200, CrossCalibrationFolds = 0 }).Train(events, null);
        Assert.Equal(0, result.Summary.CalibrationFolds);
        Assert.Equal(400, result.Summary.FitSessions + result.Summary.CalibrationSessions);
        Assert.InRange(result.Summary.CalibrationSessions, 150, 250);
        Assert.Equal(result.Summary.CalibrationSessions, result.Calibration.SortedMaxima.Length);
    }

    [Fact]
    public void Describe_features_lists_the_schema_in_order()
    {
        var state = SessionReplayer.Replay(SyntheticSessions.AccountTakeover("d"));
        var features = fixture.Bundle.Scorer.DescribeFeatures(state);
        Assert.Equal(fixture.Manifest.Features, features.Select(f => f.Key).ToList());
        Assert.Equal(1.0, features.First(f => f.Key == "nav_unseen_names").Value);
    }

    [Fact]
    public void Scoring_a_state_does_not_allocate()
    {
        var model = fixture.Bundle.Scorer.Model;
        var states = new List<SessionState>
        {
            SessionReplayer.Replay(SyntheticSessions.AccountTakeover("a")),
            SessionReplayer.Replay(SyntheticSessions.CredentialStuffing("c")),
            SessionReplayer.Replay(SyntheticSessions.Human(new Random(4), "h")),
        };
        double sink = 0;
        foreach (var s in states)
        {
            sink += model.RawScore(s, false) + model.RawScore(s, true);
        }
        // Five rounds: an allocation per call shows in every round, while the runtime's own one-off
        // work on this thread (tiered re-compilation reaching a threshold under load) lands in one.
        var rounds = new long[5];
        for (var round = 0; round < rounds.Length; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                foreach (var s in states)
                {
                    sink += model.RawScore(s, false) + model.RawScore(s, true);
                }
            }
            rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.True(sink > 0);
        Assert.True(rounds.Min() == 0, $"bytes allocated per round of 600 scores: {string.Join(", ", rounds)}");
    }

    internal static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)), true);
        }
    }
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Scoring.Bundles;
using AnomalyEngine.Scoring.Training;

namespace AnomalyEngine.UnitTests.Scoring;

public sealed class SupervisedTrainingUnitTests
{
    [Fact]
    public void With_labels_a_supervised_model_is_trained_saved_and_used()
    {
        var r = new Random(3);
        var events = SyntheticSessions.Humans(800, seed: 17);
        var labels = new Dictionary<string, SessionLabel>();
        for (var i = 0; i < 800; i++)
        {
            labels[$"h{i}"] = new SessionLabel(false, null);
        }
        for (var i = 0; i < 60; i++)
        {
            var id = $"a{i}";
            events.AddRange(i % 2 == 0 ? SyntheticSessions.CredentialStuffing(id, 5 + i % 7) : SyntheticSessions.Scraper(r, id, 20 + i));
            labels[id] = new SessionLabel(true, i % 2 == 0 ? "stuffing" : "scraper");
        }
        var dir = Path.Combine(Path.GetTempPath(), "ae-unit-sup-" + Guid.NewGuid().ToString("N"));
        try
        {
            var manifest = new ModelTrainer(new ModelTrainerOptions { Seed = 2, MinGroupRows = 300 }).TrainToBundle(events, labels, dir);
            Assert.True(manifest.HasSupervisedModel);
            Assert.True(File.Exists(Path.Combine(dir, "supervised.zip")));
            Assert.Contains("model_supervised", manifest.Components);
            Assert.Equal(60, manifest.Training.AnomalousTrainingSessions);

            var bundle = ModelBundle.Load(dir);
            var attack = SessionReplayer.Replay(SyntheticSessions.CredentialStuffing("new", 8));
            var verdict = bundle.Scorer.Score(attack, final: true);
            Assert.True(verdict.Anomalous);
            Assert.True(bundle.Scorer.Model.SupervisedModel!.Predict(new double[AnomalyEngine.Core.Features.FeatureSchema.Count]) is >= 0 and <= 1);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

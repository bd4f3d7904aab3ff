using AnomalyEngine.Scoring;
using AnomalyEngine.Scoring.Bundles;
using AnomalyEngine.Scoring.Training;

namespace AnomalyEngine.UnitTests.Scoring;

/// <summary>One small model trained on synthetic humans, shared by the scoring tests (training takes a second or two).</summary>
public sealed class TrainedModelFixture : IDisposable
{
    public TrainedModelFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "ae-unit-" + Guid.NewGuid().ToString("N"));
        var events = SyntheticSessions.Humans(1500, seed: 11);
        Manifest = new ModelTrainer(new ModelTrainerOptions { Seed = 3, TargetFpr = 0.01, MinGroupRows = 500 })
            .TrainToBundle(events, null, Dir);
        Bundle = ModelBundle.Load(Dir);
    }

    public string Dir { get; }
    public ModelManifest Manifest { get; }
    public LoadedBundle Bundle { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Text.Json.Nodes;
using AnomalyEngine.Scoring;
using AnomalyEngine.Scoring.Bundles;
using AnomalyEngine.Scoring.Calibration;
using AnomalyEngine.Scoring.Training;

namespace AnomalyEngine.UnitTests.Scoring;

/// <summary>
/// A model trained in process, saved to a temporary bundle folder and loaded back: the scorer as
/// training left it and as a server would load it, for tests that a detector survives the round trip.
/// </summary>
internal sealed class SavedModel : IDisposable
{
    public SavedModel(TrainingResult result)
    {
        Dir = Path.Combine(Path.GetTempPath(), "ae-unit-saved-" + Guid.NewGuid().ToString("N"));
        ModelBundle.Save(result, Dir);
        Trained = new BundleSessionScorer("trained", result.Model, result.Calibration, new AlertThresholder(result.AlertThreshold));
        Loaded = ModelBundle.Load(Dir).Scorer;
    }

    /// <summary>The bundle folder.</summary>
    public string Dir { get; }

    /// <summary>The scorer straight from training.</summary>
    public BundleSessionScorer Trained { get; }

    /// <summary>The scorer loaded from <see cref="Dir"/>.</summary>
    public BundleSessionScorer Loaded { get; }

    /// <summary>Edits the saved <c>baselines.json</c> and returns the error loading the bundle then gives.</summary>
    public ModelLoadException LoadWithEditedBaselines(Action<JsonNode> edit)
    {
        var path = Path.Combine(Dir, "baselines.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return Assert.Throws<ModelLoadException>(() => ModelBundle.Load(Dir));
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

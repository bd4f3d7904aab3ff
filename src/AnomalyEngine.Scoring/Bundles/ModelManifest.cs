using AnomalyEngine.Scoring.Bundles;

namespace AnomalyEngine.Scoring;

/// <summary>The manifest of a loaded model bundle (manifest.json), as the server and CLI read it.</summary>
public sealed class ModelManifest
{
    internal ModelManifest(ManifestV1 dto, string rawJson, string bundlePath)
    {
        Dto = dto;
        RawJson = rawJson;
        BundlePath = bundlePath;
    }

    internal ManifestV1 Dto { get; }

    /// <summary>Bundle version (creation time + content hash).</summary>
    public string Version => Dto.Version;
    /// <summary>When the bundle was trained.</summary>
    public DateTimeOffset Created => Dto.Created;
    /// <summary>Hash of the feature schema the bundle was trained for.</summary>
    public string FeatureSchemaHash => Dto.FeatureSchemaHash;
    /// <summary>Feature names in model order.</summary>
    public IReadOnlyList<string> Features => Dto.Features;
    /// <summary>Scoring components (detector features and model outputs) in order.</summary>
    public IReadOnlyList<string> Components => Dto.Components.ConvertAll(c => c.Name);
    /// <summary>Calibrated score at or above which a session is anomalous.</summary>
    public double AlertThreshold => Dto.AlertThreshold;
    /// <summary>Session-level false-positive rate the threshold was chosen for.</summary>
    public double TargetFpr => Dto.TargetFpr;
    /// <summary>Lower bounds of the calibrated score for Low, Medium, High, Critical.</summary>
    public (double Low, double Medium, double High, double Critical) SeverityBands
        => (Dto.SeverityBands.Low, Dto.SeverityBands.Medium, Dto.SeverityBands.High, Dto.SeverityBands.Critical);
    /// <summary>Seed of the training split.</summary>
    public int Seed => Dto.Split.Seed;
    /// <summary>Share of eligible sessions used for training.</summary>
    public double TrainFraction => Dto.Split.TrainFraction;
    /// <summary>Whether only label-0 sessions trained the model.</summary>
    public bool NormalOnly => Dto.Split.NormalOnly;
    /// <summary>Cross-calibration folds; 0: calibrated on a held-out share of the normal sessions.</summary>
    public int CalibrationFolds => Dto.Split.CalibrationFolds;
    /// <summary>Whether labels were given at training.</summary>
    public bool Labelled => Dto.Split.Labelled;
    /// <summary>Whether the bundle has a supervised model.</summary>
    public bool HasSupervisedModel => Dto.Files.Supervised is not null;
    /// <summary>Training data summary and metrics.</summary>
    public TrainingMetricsV1 Training => Dto.Training;
    /// <summary>How the scores combine, in words.</summary>
    public string Combination => Dto.Combination;
    /// <summary>The manifest file's text.</summary>
    public string RawJson { get; }
    /// <summary>The folder the bundle was loaded from or saved to.</summary>
    public string BundlePath { get; }

    /// <summary>
    /// Whether a session with this label took part in training, recomputed from the split in the
    /// manifest (evaluate uses it to score only held-out sessions).
    /// </summary>
    public bool WasTrainingSession(string sessionId, bool? anomalous)
    {
        if (Labelled && anomalous is null)
        {
            return false;
        }
        if (NormalOnly && anomalous == true)
        {
            return false;
        }
        return Training.TrainingSessions > 0 && Scoring.Training.TrainingSplit.InTrainingShare(sessionId, Seed, TrainFraction);
    }
}

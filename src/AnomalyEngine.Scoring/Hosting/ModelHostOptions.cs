namespace AnomalyEngine.Scoring;

/// <summary>Configuration section "Model": where the bundle lives and whether to hot-reload it.</summary>
public sealed class ModelHostOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Model";

    /// <summary>Bundle folder (manifest.json, baselines.json, calibration.json, pca.zip[, supervised.zip]).</summary>
    public string BundlePath { get; set; } = "models/default";

    /// <summary>Reload when manifest.json in the bundle folder changes.</summary>
    public bool WatchForChanges { get; set; } = true;
}

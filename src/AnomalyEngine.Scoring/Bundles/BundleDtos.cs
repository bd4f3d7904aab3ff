namespace AnomalyEngine.Scoring.Bundles;

// Persisted shapes of a bundle. Versioned DTOs with explicit mappers (BundleMapper): live objects
// are never serialized, so a refactor of the scoring types cannot silently change the file format.

/// <summary>manifest.json, format 1.</summary>
public sealed class ManifestV1
{
    public int FormatVersion { get; set; } = 1;
    public string Version { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string FeatureSchemaHash { get; set; } = "";
    public List<string> Features { get; set; } = [];
    public List<ComponentV1> Components { get; set; } = [];
    public double AlertThreshold { get; set; }
    public double TargetFpr { get; set; }
    public SeverityBandsV1 SeverityBands { get; set; } = new();
    public SplitV1 Split { get; set; } = new();
    public TrainingMetricsV1 Training { get; set; } = new();
    public FilesV1 Files { get; set; } = new();
    public string Combination { get; set; } = "";
}

/// <summary>One scoring component.</summary>
public sealed class ComponentV1
{
    public string Name { get; set; } = "";
    public string Detector { get; set; } = "";
}

/// <summary>Lower bounds of the calibrated score per severity.</summary>
public sealed class SeverityBandsV1
{
    public double Low { get; set; }
    public double Medium { get; set; }
    public double High { get; set; }
    public double Critical { get; set; }
}

/// <summary>How the training sessions were chosen, so evaluation can exclude them.</summary>
public sealed class SplitV1
{
    public string Method { get; set; } = "fnv1a64-splitmix:v1";
    public int Seed { get; set; }
    public double TrainFraction { get; set; } = 1.0;
    public bool NormalOnly { get; set; }
    public bool Labelled { get; set; }
    public double CalibrationFraction { get; set; }
    /// <summary>Cross-calibration folds; 0: calibrated on the held-out CalibrationFraction (and in bundles written before the field).</summary>
    public int CalibrationFolds { get; set; }
}

/// <summary>Training data summary and metrics.</summary>
public sealed class TrainingMetricsV1
{
    public long Sessions { get; set; }
    public long Events { get; set; }
    public long TrainingSessions { get; set; }
    public long FitSessions { get; set; }
    public long FitEvents { get; set; }
    public long CalibrationSessions { get; set; }
    public long CalibrationEvents { get; set; }
    public long AnomalousTrainingSessions { get; set; }
    public long PrefixRows { get; set; }
    public long SupervisedRows { get; set; }
    public int Vocabulary { get; set; }
    public int Transitions { get; set; }
    public int LengthGroups { get; set; }
    public int CalibrationAlerts { get; set; }
    public double CalibrationFpr { get; set; }
    public double Seconds { get; set; }
    public int PcaRank { get; set; }
}

/// <summary>The other files of the bundle.</summary>
public sealed class FilesV1
{
    public string Baselines { get; set; } = "baselines.json";
    public string Calibration { get; set; } = "calibration.json";
    public string Pca { get; set; } = "pca.zip";
    public string? Supervised { get; set; }
}

/// <summary>baselines.json, format 1.</summary>
public sealed class BaselinesV1
{
    public int FormatVersion { get; set; } = 1;
    public long Sessions { get; set; }
    public double Alpha { get; set; }
    public double GapCenter { get; set; }
    public double GapScale { get; set; }
    public double TypicalGapCv { get; set; }
    public List<NameBaselineV1> Names { get; set; } = [];
    public List<TransitionBaselineV1> Transitions { get; set; } = [];
    /// <summary>Names of the co-occurrence table (absent in older bundles).</summary>
    public List<string>? PairNames { get; set; }
    /// <summary>Sessions containing both names, row-major over <see cref="PairNames"/>.</summary>
    public List<long>? PairSessions { get; set; }
    /// <summary>Names of the name-set table, bit order (absent in older bundles).</summary>
    public List<string>? SetNames { get; set; }
    /// <summary>The name sets training sessions held.</summary>
    public List<NameSetV1>? NameSets { get; set; }
    /// <summary>How training sessions carried ip, device and country (absent in older bundles).</summary>
    public List<ContextBaselineV1>? Context { get; set; }
    /// <summary>The most common devices and how often their sessions' ip changed (absent in older bundles).</summary>
    public List<DeviceBaselineV1>? Devices { get; set; }
    /// <summary>Training sessions per family of names with a segment of digits (absent in older bundles).</summary>
    public List<NameFamilyV1>? Families { get; set; }
    /// <summary>Cost of a differing count per name of <see cref="SetNames"/> (absent in older bundles).</summary>
    public List<double>? CountWeights { get; set; }
    /// <summary>The name counts training sessions ended with.</summary>
    public List<CountProfileV1>? CountProfiles { get; set; }
}

/// <summary>One count profile: the names of <see cref="BaselinesV1.SetNames"/> that occurred, with their counts.</summary>
public sealed class CountProfileV1
{
    public Dictionary<string, int> Counts { get; set; } = [];
    public long Sessions { get; set; }
}

/// <summary>One name family (<c>/product/{id}</c>) and the training sessions that held one of its names.</summary>
public sealed class NameFamilyV1
{
    public string Family { get; set; } = "";
    public long Sessions { get; set; }
}

/// <summary>One device's baseline.</summary>
public sealed class DeviceBaselineV1
{
    public string Device { get; set; } = "";
    public long Sessions { get; set; }
    public long IpChangedSessions { get; set; }
    public long UserChecks { get; set; }
    public long NewNetworks { get; set; }
}

/// <summary>One context attribute's baseline.</summary>
public sealed class ContextBaselineV1
{
    public string Attribute { get; set; } = "";
    public long Sessions { get; set; }
    public long ChangedSessions { get; set; }
    /// <summary>Per bucket of earlier sessions, returning users' sessions checked (<c>UserHistoryBaseline</c>).</summary>
    public List<long>? UserChecks { get; set; }
    /// <summary>Per bucket, of those, the sessions whose value was new to the user.</summary>
    public List<long>? UserNovel { get; set; }
}

/// <summary>One set of common names: bit i is <see cref="BaselinesV1.SetNames"/>[i].</summary>
public sealed class NameSetV1
{
    public ulong Mask { get; set; }
    public long Passes { get; set; }
    public long Finals { get; set; }
}

/// <summary>One name's baseline.</summary>
public sealed class NameBaselineV1
{
    public string Name { get; set; } = "";
    public long Sessions { get; set; }
    public long Events { get; set; }
    public long StartCount { get; set; }
    public long EndCount { get; set; }
    public long OutTotal { get; set; }
    public long Attempts { get; set; }
    public long Failures { get; set; }
    public double FailuresP99 { get; set; }
    public double CountQ99 { get; set; }
    public double CountQ01 { get; set; }
    public double CountScale { get; set; }
    public double DurationCenter { get; set; }
    public double DurationScale { get; set; }
    public long DurationSamples { get; set; }
}

/// <summary>One transition's baseline.</summary>
public sealed class TransitionBaselineV1
{
    public string From { get; set; } = "";
    public string To { get; set; } = "";
    public long Count { get; set; }
    public double GapCenter { get; set; }
    public double GapScale { get; set; }
    public long GapSamples { get; set; }
}

/// <summary>
/// calibration.json, format 1: length groups, standardizer and tails (length groups, then the
/// final-verdict group last), session calibration.
/// </summary>
public sealed class CalibrationV1
{
    public int FormatVersion { get; set; } = 1;
    public int[] BucketToGroup { get; set; } = [];
    public double[][] Means { get; set; } = [];
    public double[][] Scales { get; set; } = [];
    public List<ComponentTailsV1> Tails { get; set; } = [];
    public double[] SessionMaxima { get; set; } = [];
    public long CalibrationSessions { get; set; }
    public double TailScale { get; set; }
}

/// <summary>Tail tables of one component, one per length group.</summary>
public sealed class ComponentTailsV1
{
    public string Component { get; set; } = "";
    public List<TailV1> Groups { get; set; } = [];
}

/// <summary>One tail table.</summary>
public sealed class TailV1
{
    public long N { get; set; }
    public double TailStart { get; set; }
    public long TailCount { get; set; }
    public double Scale { get; set; }
    public double[] Sorted { get; set; } = [];
}

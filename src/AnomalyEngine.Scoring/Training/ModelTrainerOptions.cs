using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Scoring.Training;

/// <summary>How <see cref="ModelTrainer"/> trains. Every default is documented in docs/quality.md.</summary>
public sealed record ModelTrainerOptions
{
    /// <summary>Seed of every random choice (splits, sampling, PCA, LightGbm): same input + seed → same bundle.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>Target session-level false-positive rate the alert threshold is chosen for.</summary>
    public double TargetFpr { get; init; } = 0.005;

    /// <summary>With labels: train only the unsupervised models, on label-0 sessions; no supervised model.</summary>
    public bool NormalOnly { get; init; }

    /// <summary>Share of eligible sessions used for training (seeded by session id); the rest is left for evaluation.</summary>
    public double TrainFraction { get; init; } = 1.0;

    /// <summary>
    /// With <see cref="CrossCalibrationFolds"/> = 0: share of the normal training sessions held out to
    /// calibrate scores and choose the threshold. Half, because a threshold for a 0.1 % session FPR is
    /// only as good as the tail of the calibration sample (on HDFS, 722 calibration sessions gave an
    /// unstable threshold, 1,400 a stable one).
    /// </summary>
    public double CalibrationFraction { get; init; } = 0.5;

    /// <summary>
    /// Cross-calibration, without a supervised model: for each of N folds of the normal training
    /// sessions, a model fitted on the other folds scores that fold for the calibration; the shipped
    /// model is fitted on all of them (N + 1 fits). Every normal session then both teaches the model
    /// and calibrates it, which on HDFS (2,700 normals) caught the rare families a half-sized fit
    /// missed and kept the threshold above the rare normal ones (docs/quality.md). 0: fit on
    /// 1 − <see cref="CalibrationFraction"/>, calibrate on the rest (one fit).
    /// </summary>
    public int CrossCalibrationFolds { get; init; } = 2;

    /// <summary>Folds for cross-fitted baselines: training rows are featurized by baselines that did not see their session.</summary>
    public int CrossFitFolds { get; init; } = 5;

    /// <summary>Rank of the RandomizedPca model.</summary>
    public int PcaRank { get; init; } = 8;

    /// <summary>Most prefix rows kept (seeded sample) for the PCA model and the tail tables.</summary>
    public int MaxRows { get; init; } = 300_000;

    /// <summary>Fewest prefix rows a length group needs; sparser buckets are merged.</summary>
    public int MinGroupRows { get; init; } = 2_000;

    /// <summary>State caps; must match the live server's.</summary>
    public SessionLimits Limits { get; init; } = SessionLimits.Default;
}

/// <summary>A progress report: stage name and completion of that stage in [0,1].</summary>
public readonly record struct TrainingProgress(string Stage, double Fraction);

using AnomalyEngine.Core.Features;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// One scalar a detector watches: a feature where larger means more suspicious (or, two-sided,
/// further from zero). The scorer turns each into a tail probability against training prefixes of
/// the same length bucket, so components on different scales combine fairly.
/// </summary>
/// <param name="Name">Stable name, recorded in the bundle.</param>
/// <param name="Detector"><c>navigation</c>, <c>durations</c>, <c>failed_actions</c> or <c>model</c>.</param>
/// <param name="Feature">Index into the feature vector, or −1 for a model output.</param>
/// <param name="TwoSided">Whether both signs are suspicious (absolute value is used).</param>
public readonly record struct DetectorComponent(string Name, string Detector, int Feature, bool TwoSided);

/// <summary>The detector names used in reasons and alert filters.</summary>
public static class DetectorNames
{
    /// <summary>Where the session goes: transitions, entry point, names, repeats.</summary>
    public const string Navigation = "navigation";
    /// <summary>How fast and how evenly: gaps and durations.</summary>
    public const string Durations = "durations";
    /// <summary>Failed actions against their baseline failure rates.</summary>
    public const string FailedActions = "failed_actions";
    /// <summary>The multivariate ML.NET models over the whole feature vector.</summary>
    public const string Model = "model";
}

/// <summary>The detector components over the feature vector, in scoring order.</summary>
public static class DetectorComponents
{
    private static readonly DetectorComponent[] Table =
    [
        new("nav_surprise_mean", DetectorNames.Navigation, FeatureSchema.NavSurpriseMean, false),
        new("nav_surprise_max", DetectorNames.Navigation, FeatureSchema.NavSurpriseMax, false),
        new("nav_unseen_transition_share", DetectorNames.Navigation, FeatureSchema.NavUnseenTransitionShare, false),
        new("nav_unseen_names", DetectorNames.Navigation, FeatureSchema.NavUnseenNames, false),
        new("nav_entry_surprise", DetectorNames.Navigation, FeatureSchema.NavEntrySurprise, false),
        new("nav_count_profile_dev", DetectorNames.Navigation, FeatureSchema.NavCountProfileDev, false),
        new("dur_gap_dev", DetectorNames.Durations, FeatureSchema.DurGapDev, false),
        new("dur_duration_dev", DetectorNames.Durations, FeatureSchema.DurDurationDev, false),
        new("dur_speed_z", DetectorNames.Durations, FeatureSchema.DurSpeedZ, true),
        new("dur_regularity", DetectorNames.Durations, FeatureSchema.DurRegularity, false),
        new("fail_excess_z", DetectorNames.FailedActions, FeatureSchema.FailExcessZ, false),
        new("fail_max_streak", DetectorNames.FailedActions, FeatureSchema.FailMaxStreak, false),
        new("fail_per_minute", DetectorNames.FailedActions, FeatureSchema.FailPerMinute, false),
    ];

    /// <summary>The components computed directly from features.</summary>
    public static IReadOnlyList<DetectorComponent> FeatureComponents => Table;

    /// <summary>Value of a feature component: larger is more suspicious, never negative.</summary>
    public static double Value(in DetectorComponent c, ReadOnlySpan<double> features)
    {
        var v = features[c.Feature];
        return c.TwoSided ? Math.Abs(v) : Math.Max(0, v);
    }
}

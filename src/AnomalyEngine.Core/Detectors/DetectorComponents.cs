using AnomalyEngine.Core.Features;

namespace AnomalyEngine.Core.Detectors;

/// <summary>When a component takes part in the score.</summary>
public enum ComponentMode : byte
{
    /// <summary>After every event and at the end.</summary>
    Always = 0,
    /// <summary>Only for the final verdict of an ended session (e.g. "ended at an unusual point").</summary>
    FinalOnly = 1,
}

/// <summary>
/// One scalar a detector watches: a feature where larger means more suspicious (or, two-sided,
/// further from zero). The scorer turns each into a tail surprise against training prefixes of
/// the same length group, so components on different scales combine fairly.
/// </summary>
/// <param name="Name">Stable name, recorded in the bundle.</param>
/// <param name="Detector"><c>navigation</c>, <c>durations</c>, <c>failed_actions</c>, <c>context</c> or <c>model</c>.</param>
/// <param name="Feature">Index into the feature vector, or −1 for a model output.</param>
/// <param name="TwoSided">Whether both signs are suspicious (absolute value is used).</param>
/// <param name="Unit">
/// Smallest tail scale: beyond the training tail the surprise grows by 1 nat per <c>Unit</c>, even
/// when training never varied (e.g. no unseen names at all), so "never seen" weighs heavily.
/// </param>
/// <param name="Mode">Whether it scores every event or only final verdicts.</param>
/// <param name="Standardized">Use the length-group standardized value instead of the raw feature.</param>
public readonly record struct DetectorComponent(
    string Name, string Detector, int Feature, bool TwoSided, double Unit,
    ComponentMode Mode = ComponentMode.Always, bool Standardized = false);

/// <summary>The detector names used in reasons and alert filters.</summary>
public static class DetectorNames
{
    /// <summary>Where the session goes: transitions, entry point, names, repeats.</summary>
    public const string Navigation = "navigation";
    /// <summary>How fast and how evenly: gaps and durations.</summary>
    public const string Durations = "durations";
    /// <summary>Failed actions against their baseline failure rates.</summary>
    public const string FailedActions = "failed_actions";
    /// <summary>Where the events come from: changes of ip, device and country within the session, and values new to the user.</summary>
    public const string Context = "context";
    /// <summary>The multivariate ML.NET models over the whole feature vector.</summary>
    public const string Model = "model";

    /// <summary>The detector whose reasons speak of a feature, from its name's prefix; null for none.</summary>
    public static string? OfFeature(string feature) => feature switch
    {
        _ when feature.StartsWith("nav_", StringComparison.Ordinal) => Navigation,
        _ when feature.StartsWith("dur_", StringComparison.Ordinal) => Durations,
        _ when feature.StartsWith("fail_", StringComparison.Ordinal) => FailedActions,
        _ when feature.StartsWith("ctx_", StringComparison.Ordinal) || feature.StartsWith("user_", StringComparison.Ordinal) => Context,
        _ => null,
    };
}

/// <summary>The detector components over the feature vector, in scoring order.</summary>
public static class DetectorComponents
{
    private static readonly DetectorComponent[] Table =
    [
        new("nav_surprise_mean", DetectorNames.Navigation, FeatureSchema.NavSurpriseMean, false, 0.1),
        new("nav_surprise_max", DetectorNames.Navigation, FeatureSchema.NavSurpriseMax, false, 0.5),
        new("nav_unseen_transition_share", DetectorNames.Navigation, FeatureSchema.NavUnseenTransitionShare, false, 0.02),
        new("nav_unseen_names", DetectorNames.Navigation, FeatureSchema.NavUnseenNames, false, 0.1),
        new("nav_rare_name", DetectorNames.Navigation, FeatureSchema.NavRareName, false, 0.25),
        new("nav_rare_name_sum", DetectorNames.Navigation, FeatureSchema.NavRareNameSum, false, 0.5),
        new("nav_lift_sum", DetectorNames.Navigation, FeatureSchema.NavLiftSum, false, 0.5),
        new("nav_pair_lift", DetectorNames.Navigation, FeatureSchema.NavPairLift, false, 0.25),
        new("nav_name_set_novelty", DetectorNames.Navigation, FeatureSchema.NavNameSetNovelty, false, 0.05),
        new("nav_final_name_set_novelty", DetectorNames.Navigation, FeatureSchema.NavFinalNameSetNovelty, false, 0.05, ComponentMode.FinalOnly),
        new("nav_entry_surprise", DetectorNames.Navigation, FeatureSchema.NavEntrySurprise, false, 0.5),
        new("nav_count_excess", DetectorNames.Navigation, FeatureSchema.NavCountExcess, false, 0.5),
        new("nav_exit_surprise", DetectorNames.Navigation, FeatureSchema.NavExitSurprise, false, 0.5, ComponentMode.FinalOnly),
        new("nav_count_deficit", DetectorNames.Navigation, FeatureSchema.NavCountDeficit, false, 0.5, ComponentMode.FinalOnly),
        new("nav_count_profile", DetectorNames.Navigation, FeatureSchema.NavCountProfileDistance, false, 0.05, ComponentMode.FinalOnly),
        new("dur_length", DetectorNames.Durations, FeatureSchema.DurLogEvents, true, 0.25, ComponentMode.FinalOnly, Standardized: true),
        new("dur_gap_dev", DetectorNames.Durations, FeatureSchema.DurGapDev, false, 0.25),
        new("dur_duration_dev", DetectorNames.Durations, FeatureSchema.DurDurationDev, false, 0.25),
        new("dur_gap_fast", DetectorNames.Durations, FeatureSchema.DurGapFast, false, 0.25),
        new("dur_duration_short", DetectorNames.Durations, FeatureSchema.DurDurationShort, false, 0.25),
        new("dur_speed_z", DetectorNames.Durations, FeatureSchema.DurSpeedZ, true, 0.25),
        new("dur_regularity", DetectorNames.Durations, FeatureSchema.DurRegularity, false, 0.1),
        new("fail_excess_z", DetectorNames.FailedActions, FeatureSchema.FailExcessZ, false, 0.1),
        new("fail_max_streak", DetectorNames.FailedActions, FeatureSchema.FailMaxStreak, false, 0.5),
        new("fail_per_minute", DetectorNames.FailedActions, FeatureSchema.FailPerMinute, false, 0.5),
        new("ctx_ip_change_rarity", DetectorNames.Context, FeatureSchema.CtxIpChangeRarity, false, 0.5),
        new("ctx_device_changes", DetectorNames.Context, FeatureSchema.CtxDeviceChanges, false, 0.1),
        new("ctx_country_changes", DetectorNames.Context, FeatureSchema.CtxCountryChanges, false, 0.1),
        new("user_novelty", DetectorNames.Context, FeatureSchema.UserNovelty, false, 0.25),
    ];

    /// <summary>The components computed directly from features.</summary>
    public static IReadOnlyList<DetectorComponent> FeatureComponents => Table;

    /// <summary>Value of a feature component: larger is more suspicious, never negative.</summary>
    public static double Value(in DetectorComponent c, ReadOnlySpan<double> features, ReadOnlySpan<double> standardized)
    {
        var v = c.Standardized ? standardized[c.Feature] : features[c.Feature];
        return c.TwoSided ? Math.Abs(v) : Math.Max(0, v);
    }
}

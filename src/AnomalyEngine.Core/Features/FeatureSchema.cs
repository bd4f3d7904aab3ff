using System.Security.Cryptography;
using System.Text;

namespace AnomalyEngine.Core.Features;

/// <summary>
/// The session feature vector: names and positions. A model bundle records <see cref="Hash"/>;
/// a bundle built for another schema is refused at load, because its numbers would mean other things.
/// </summary>
public static class FeatureSchema
{
    /// <summary>Bump when a feature's definition changes without its name changing.</summary>
    public const int Revision = 1;

    /// <summary>Mean surprise (−ln p) over the entry and every transition, count-weighted.</summary>
    public const int NavSurpriseMean = 0;
    /// <summary>Largest surprise of the entry or any transition taken.</summary>
    public const int NavSurpriseMax = 1;
    /// <summary>Share of transitions taken that never occurred in training.</summary>
    public const int NavUnseenTransitionShare = 2;
    /// <summary>ln(1 + distinct unseen transitions).</summary>
    public const int NavUnseenTransitions = 3;
    /// <summary>Distinct event names never seen in training.</summary>
    public const int NavUnseenNames = 4;
    /// <summary>Rarity of the rarest name in the session: −ln share of training sessions that contain it.</summary>
    public const int NavRareName = 5;
    /// <summary>Surprise of the entry point (start state → first name).</summary>
    public const int NavEntrySurprise = 6;
    /// <summary>Surprise of ending after the latest name (latest name → end state); used for final verdicts.</summary>
    public const int NavExitSurprise = 7;
    /// <summary>Distinct names / events.</summary>
    public const int NavBreadth = 8;
    /// <summary>ln(1 + events − distinct names): how often pages/actions are revisited.</summary>
    public const int NavRevisits = 9;
    /// <summary>Count deficit: √Σ over names nearly every training session has, of the squared z below their p1; used for final verdicts.</summary>
    public const int NavCountDeficit = 10;
    /// <summary>ln(1 + events): session length.</summary>
    public const int DurLogEvents = 11;
    /// <summary>ln(1 + elapsed seconds).</summary>
    public const int DurLogElapsed = 12;
    /// <summary>RMS robust z of ln(1+gap) against each transition's baseline (exact from moments).</summary>
    public const int DurGapDev = 13;
    /// <summary>RMS robust z of ln(1+duration_ms) against each name's baseline.</summary>
    public const int DurDurationDev = 14;
    /// <summary>Signed robust z of the session's mean ln(1+gap) against all gaps: negative = too fast.</summary>
    public const int DurSpeedZ = 15;
    /// <summary>Coefficient of variation of gaps (0 with fewer than 2 gaps).</summary>
    public const int DurGapCv = 16;
    /// <summary>How much more even the gaps are than typical sessions: max(0, ln(cv_typical + 0.01) − ln(cv + 0.01)), 3+ gaps.</summary>
    public const int DurRegularity = 17;
    /// <summary>ln(1 + max binomial excess z of failures of one name over its baseline failure rate).</summary>
    public const int FailExcessZ = 18;
    /// <summary>Failed / attempted actions.</summary>
    public const int FailRatio = 19;
    /// <summary>Longest run of consecutive failed actions.</summary>
    public const int FailMaxStreak = 20;
    /// <summary>Failures per minute of session time (time floored at 10 s).</summary>
    public const int FailPerMinute = 21;
    /// <summary>ln(1 + failed actions).</summary>
    public const int FailCount = 22;

    /// <summary>
    /// Count excess: √Σ over names of the squared robust z of ln(1+count) above the training p99.
    /// The first feature past <see cref="ModelInputCount"/>: it is 0 in nearly every training prefix,
    /// so its spread is the standardizer's floor and one repeat too many standardized to z ≈ 40,
    /// which the PCA's three components then scored again on top of the feature's own component.
    /// </summary>
    public const int NavCountExcess = 23;

    /// <summary>
    /// Too-fast evidence, summed not averaged: √Σ over transitions with a gap baseline of
    /// count · max(0, (baseline center − mean ln(1+gap)) / scale)², so a fast run of steps is not
    /// diluted by a longer normal part of the session (e.g. a hijack after honest browsing).
    /// </summary>
    public const int DurGapFast = 24;
    /// <summary>Too-short durations, summed: √Σ over names of n · max(0, (center − mean ln(1+duration_ms)) / scale)².</summary>
    public const int DurDurationShort = 25;

    /// <summary>
    /// Joint rarity of the rare names: Σ of −ln share of training sessions containing the name over
    /// the distinct names in fewer than 1 in <see cref="RareNameSessionsPerOccurrence"/> sessions
    /// (naive independence), so several rare pages/actions together (settings, email change,
    /// password change, payout) add up where <see cref="NavRareName"/> keeps only the rarest.
    /// </summary>
    public const int NavRareNameSum = 26;

    /// <summary>
    /// Σ over transitions taken (count-weighted) of the positive part of
    /// <see cref="SessionBaselines.TransitionLift"/>: steps into names that are known but do not
    /// follow the previous name, summed so that several such steps are not averaged away.
    /// </summary>
    public const int NavLiftSum = 27;

    /// <summary>
    /// Largest co-occurrence lift over ordered pairs of names present (both among the most common
    /// names): ln p(b) − ln p(b | a), positive part — b is common, but not in sessions that have a
    /// (HDFS: a re-replicated block that is also deleted).
    /// </summary>
    public const int NavPairLift = 28;

    /// <summary>
    /// Novelty of the session's combination of common names (<see cref="NameSetTable"/>):
    /// 1 / (1 + training sessions that held exactly this set after some event) — 1 for a
    /// combination never seen, although every name and pair in it may be familiar. A count, not a
    /// share: a share of an unseen set depends on how many sessions trained, and the cross-fitted
    /// training rows (four fifths of them) would then never reach the value serving gives.
    /// </summary>
    public const int NavNameSetNovelty = 29;
    /// <summary>The same against the sets training sessions ended with; used for final verdicts.</summary>
    public const int NavFinalNameSetNovelty = 30;

    /// <summary>
    /// Rarity of the session's ip changes (<see cref="Sessions.SessionContext"/>): the times its
    /// <c>ip</c> attribute changed × <see cref="SessionBaselines.IpChangeRarity"/> of its device
    /// (−ln share of training sessions on that device whose ip changed). <see cref="CtxDeviceChanges"/>
    /// and <see cref="CtxCountryChanges"/> follow, in <see cref="Sessions.ContextAttribute"/> order.
    /// </summary>
    public const int CtxIpChangeRarity = 31;
    /// <summary>Times the session's <c>device</c> attribute changed.</summary>
    public const int CtxDeviceChanges = 32;
    /// <summary>Times the session's <c>country</c> attribute changed.</summary>
    public const int CtxCountryChanges = 33;

    /// <summary>
    /// Rarity of a network new to the session's user (<see cref="Sessions.UserHistory"/>):
    /// <see cref="SessionBaselines.UserNoveltyRarity"/> of the ip's network, 0 when the user had used
    /// it, had no earlier session, or the session is not signed in. <see cref="UserNewDevice"/> and
    /// <see cref="UserNewCountry"/> follow, in <see cref="Sessions.ContextAttribute"/> order.
    /// </summary>
    public const int UserNewNetwork = 34;
    /// <summary>Rarity of a device new to the session's user.</summary>
    public const int UserNewDevice = 35;
    /// <summary>Rarity of a country new to the session's user.</summary>
    public const int UserNewCountry = 36;
    /// <summary>
    /// The three rarities summed: the surprise of the session's combination of new values as if
    /// they were independent. A new phone usually comes with a new network; a new desktop, network
    /// and country at once is what a taken-over account looks like. Its one detector component
    /// weighs them together, where three components would each stay under the alert.
    /// </summary>
    public const int UserNovelty = 37;

    /// <summary>
    /// How far the name counts of an ended session are from those any training session ended with
    /// (<see cref="CountProfileTable"/>): ln(1 + the summed cost of the names whose count differs
    /// from the nearest training profile). The log keeps a rare normal family far from all others
    /// (HDFS: a block re-replicated three times, cost ~35) from stretching the tail the threshold is
    /// fitted to. Final verdicts only (0 for live ones): it compares with every profile, and counts
    /// still grow while the session runs.
    /// </summary>
    public const int NavCountProfileDistance = 38;

    /// <summary>A name counts towards <see cref="NavRareNameSum"/> when fewer than 1 in this many training sessions contain it.</summary>
    public const double RareNameSessionsPerOccurrence = 50;

    /// <summary>
    /// Features [0, ModelInputCount) are the input of the multivariate models (PCA, LightGbm; their
    /// standardized values); later features feed only their detector components and are standardized
    /// to 0. Adding the summed features to the PCA input widened the normal tail of the PCA
    /// components on HDFS (FPR 0.00037 → 0.0022 at seed 7), so they stay out of it, and so does the
    /// count excess (<see cref="NavCountExcess"/>).
    /// </summary>
    public const int ModelInputCount = 23;

    /// <summary>Number of features.</summary>
    public const int Count = 39;

    private static readonly string[] NameTable =
    [
        "nav_surprise_mean", "nav_surprise_max", "nav_unseen_transition_share", "nav_unseen_transitions",
        "nav_unseen_names", "nav_rare_name", "nav_entry_surprise", "nav_exit_surprise", "nav_breadth", "nav_revisits",
        "nav_count_deficit",
        "dur_log_events", "dur_log_elapsed", "dur_gap_dev", "dur_duration_dev", "dur_speed_z", "dur_gap_cv",
        "dur_regularity",
        "fail_excess_z", "fail_ratio", "fail_max_streak", "fail_per_minute", "fail_count", "nav_count_excess",
        "dur_gap_fast", "dur_duration_short", "nav_rare_name_sum", "nav_lift_sum", "nav_pair_lift",
        "nav_name_set_novelty", "nav_final_name_set_novelty",
        "ctx_ip_change_rarity", "ctx_device_changes", "ctx_country_changes",
        "user_new_network", "user_new_device", "user_new_country", "user_novelty",
        "nav_count_profile_distance",
    ];

    /// <summary>Feature names in vector order.</summary>
    public static IReadOnlyList<string> Names => NameTable;

    /// <summary>SHA-256 (hex, first 16 chars) over the revision, the model input's length and the names in order.</summary>
    public static string Hash { get; } = ComputeHash(NameTable);

    /// <summary>The schema hash of a given list of names (used to check a bundle's manifest).</summary>
    public static string ComputeHash(IReadOnlyList<string> names)
    {
        // The input length is in it because moving the boundary changes what the PCA was fitted on.
        var sb = new StringBuilder().Append("rev").Append(Revision).Append("|inputs").Append(ModelInputCount);
        foreach (var n in names)
        {
            sb.Append('|').Append(n);
        }
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
        return Convert.ToHexStringLower(bytes)[..16];
    }
}

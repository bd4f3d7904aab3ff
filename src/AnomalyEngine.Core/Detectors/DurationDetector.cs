using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// Explains timing anomalies: gaps too even (bots), too fast or too slow overall, gaps of a
/// transition far from its baseline, and views/actions whose duration_ms is far from usual.
/// </summary>
public static class DurationDetector
{
    /// <summary>Appends timing reasons whose components are surprising enough.</summary>
    public static void Explain(ExplainContext ctx, List<Reason> reasons)
    {
        var s = ctx.State;
        var b = ctx.Baselines;
        const string d = DetectorNames.Durations;
        var typicalGap = Math.Exp(b.GapCenter) - 1;

        var regular = ctx.Surprise("dur_regularity");
        if (regular >= ExplainContext.MinSurprise && s.Gaps > 0)
        {
            var mean = s.GapSum / s.Gaps;
            var sd = Math.Sqrt(Math.Max(0, s.GapSumSq / s.Gaps - mean * mean));
            ctx.Add(reasons, "TIMING_TOO_REGULAR", d,
                $"gaps {ExplainContext.FormatMs(mean)} ± {ExplainContext.FormatMs(sd)} (typical sessions: median gap {ExplainContext.FormatMs(typicalGap)}, variation {ExplainContext.Fmt(b.TypicalGapCv * 100, "0")}%)",
                regular, new() { ["gap_mean_ms"] = ExplainContext.Fmt(mean, "0"), ["gap_sd_ms"] = ExplainContext.Fmt(sd, "0"), ["gap_cv"] = ExplainContext.Fmt(ctx.Features[FeatureSchema.DurGapCv], "0.000"), ["typical_cv"] = ExplainContext.Fmt(b.TypicalGapCv, "0.000") });
        }

        var speed = ctx.Surprise("dur_speed_z");
        if (speed >= ExplainContext.MinSurprise && s.Gaps > 0)
        {
            var z = ctx.Features[FeatureSchema.DurSpeedZ];
            var typical = Math.Exp(s.LogGapSum / s.Gaps) - 1;
            var fast = z < 0;
            ctx.Add(reasons, fast ? "TIMING_TOO_FAST" : "TIMING_TOO_SLOW", d,
                $"typical gap {ExplainContext.FormatMs(typical)} between events (normal sessions: {ExplainContext.FormatMs(typicalGap)})",
                speed, new() { ["gap_geomean_ms"] = ExplainContext.Fmt(typical, "0"), ["baseline_ms"] = ExplainContext.Fmt(typicalGap, "0"), ["z"] = ExplainContext.Fmt(z, "0.0") });
        }

        var gaps = Math.Max(ctx.Surprise("dur_gap_dev"), ctx.Surprise("dur_gap_fast"));
        if (gaps >= ExplainContext.MinSurprise)
        {
            var worst = new WorstDeviation();
            foreach (var (key, t) in s.Transitions)
            {
                if (t.Count > 0 && b.TryGetTransition(key, out var tb) && tb.GapSamples >= 5)
                {
                    worst.Consider(key, t.Count, t.LogGapSum, tb.GapCenter, tb.GapScale);
                }
            }
            if (worst.Key is { } transition)
            {
                ctx.Add(reasons, "TIMING_UNUSUAL_GAPS", d,
                    $"{ExplainContext.Arrow(transition)} took {ExplainContext.FormatMs(worst.Mean)} (typical: {ExplainContext.FormatMs(worst.Baseline)})",
                    gaps, new() { ["transition"] = ExplainContext.Arrow(transition), ["gap_ms"] = ExplainContext.Fmt(worst.Mean, "0"), ["baseline_ms"] = ExplainContext.Fmt(worst.Baseline, "0"), ["z"] = ExplainContext.Fmt(worst.Z, "0.0") });
            }
        }

        var durations = Math.Max(ctx.Surprise("dur_duration_dev"), ctx.Surprise("dur_duration_short"));
        if (durations >= ExplainContext.MinSurprise)
        {
            var worst = new WorstDeviation();
            foreach (var (name, ns) in s.Names)
            {
                if (ns.Durations > 0 && b.TryGetName(name, out var nb) && nb.DurationSamples >= 5)
                {
                    worst.Consider(name, ns.Durations, ns.LogDurationSum, nb.DurationCenter, nb.DurationScale);
                }
            }
            if (worst.Key is { } unusual)
            {
                ctx.Add(reasons, "DURATION_UNUSUAL", d,
                    $"{unusual} took {ExplainContext.FormatMs(worst.Mean)} (typical: {ExplainContext.FormatMs(worst.Baseline)})",
                    durations, new() { ["name"] = unusual, ["duration_ms"] = ExplainContext.Fmt(worst.Mean, "0"), ["baseline_ms"] = ExplainContext.Fmt(worst.Baseline, "0"), ["z"] = ExplainContext.Fmt(worst.Z, "0.0") });
            }
        }
    }

    /// <summary>
    /// The entry (transition or name) whose mean ln(1 + ms) lies furthest from its baseline centre,
    /// in baseline scales: the example a timing reason names.
    /// </summary>
    private struct WorstDeviation
    {
        public string? Key;
        public double Z;
        public double Mean;
        public double Baseline;

        public void Consider(string key, long count, double logSum, double center, double scale)
        {
            var meanLog = logSum / count;
            var z = Math.Abs(meanLog - center) / scale;
            if (z > Z)
            {
                Key = key;
                Z = z;
                Mean = Math.Exp(meanLog) - 1;
                Baseline = Math.Exp(center) - 1;
            }
        }
    }
}

using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// Explains failed-action anomalies: more failures of one action than its baseline failure rate
/// allows (binomial excess), long runs of failures, and high failure rates per minute.
/// </summary>
public static class FailedActionDetector
{
    /// <summary>Appends failure reasons whose components are surprising enough.</summary>
    public static void Explain(ExplainContext ctx, List<Reason> reasons)
    {
        var s = ctx.State;
        var b = ctx.Baselines;
        const string d = DetectorNames.FailedActions;
        var elapsedMs = Math.Max(0, s.LastTs - s.FirstTs);

        var burst = ctx.Surprise("fail_excess_z");
        if (burst >= ExplainContext.MinSurprise)
        {
            string? worst = null;
            double worstZ = double.NegativeInfinity, p99 = 0, rate = 0;
            long failures = 0, attempts = 0;
            foreach (var (name, ns) in s.Names)
            {
                if (ns.Attempts == 0 || ns.Failures == 0)
                {
                    continue;
                }
                var known = b.TryGetName(name, out var nb);
                var p = b.FailRate(known ? nb : null);
                var z = (ns.Failures - ns.Attempts * p) / Math.Sqrt(ns.Attempts * p * (1 - p) + 0.25);
                if (z > worstZ)
                {
                    worst = name;
                    worstZ = z;
                    failures = ns.Failures;
                    attempts = ns.Attempts;
                    p99 = known ? nb.FailuresP99 : 0;
                    rate = p;
                }
            }
            if (worst is not null)
            {
                ctx.Add(reasons, "FAILED_ACTION_BURST", d,
                    $"{failures} failed {worst} in {ExplainContext.FormatMs(elapsedMs)} (typical p99: {ExplainContext.Fmt(p99, "0")}; baseline failure rate {ExplainContext.Fmt(rate * 100, "0.##")}%)",
                    burst, new() { ["name"] = worst, ["failures"] = failures.ToString(), ["attempts"] = attempts.ToString(), ["typical_p99"] = ExplainContext.Fmt(p99, "0"), ["baseline_rate"] = ExplainContext.Fmt(rate, "0.####"), ["z"] = ExplainContext.Fmt(worstZ, "0.0") });
            }
        }

        var streak = ctx.Surprise("fail_max_streak");
        if (streak >= ExplainContext.MinSurprise)
        {
            ctx.Add(reasons, "FAILED_ACTION_STREAK", d, $"{s.MaxFailStreak} failed actions in a row", streak,
                new() { ["max_streak"] = s.MaxFailStreak.ToString() });
        }

        var perMinute = ctx.Surprise("fail_per_minute");
        if (perMinute >= ExplainContext.MinSurprise)
        {
            ctx.Add(reasons, "FAILED_ACTION_RATE", d,
                $"{ExplainContext.Fmt(ctx.Features[FeatureSchema.FailPerMinute], "0.#")} failed actions per minute ({s.Failures} of {s.Failures + s.Successes})",
                perMinute, new() { ["failures"] = s.Failures.ToString(), ["per_minute"] = ExplainContext.Fmt(ctx.Features[FeatureSchema.FailPerMinute], "0.##") });
        }
    }
}

using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// Explains navigation anomalies: transitions or names never seen in training, an unlikely entry
/// point, an unlikely path (high Markov surprise) and names repeated far more than usual.
/// </summary>
public static class NavigationDetector
{
    /// <summary>Appends navigation reasons whose components are surprising enough.</summary>
    public static void Explain(ExplainContext ctx, List<Reason> reasons)
    {
        var s = ctx.State;
        var b = ctx.Baselines;
        const string d = DetectorNames.Navigation;

        var unseen = Math.Max(ctx.Surprise("nav_unseen_transition_share"), 0);
        if (unseen >= ExplainContext.MinSurprise)
        {
            string? worst = null;
            long worstCount = 0, distinct = 0, steps = 0;
            foreach (var (key, t) in s.Transitions)
            {
                if (key == SessionState.OverflowKey)
                {
                    continue;
                }
                b.TransitionSurprise(key, out var seen);
                if (!seen)
                {
                    distinct++;
                    steps += t.Count;
                    if (worst is null || t.Count > worstCount || (t.Count == worstCount && string.CompareOrdinal(key, worst) < 0))
                    {
                        worst = key;
                        worstCount = t.Count;
                    }
                }
            }
            if (worst is not null)
            {
                var more = distinct > 1 ? $" (and {distinct - 1} more unseen transitions)" : "";
                ctx.Add(reasons, "NAV_UNSEEN_TRANSITION", d, $"{ExplainContext.Arrow(worst)} never seen in training{more}", unseen,
                    new() { ["transition"] = ExplainContext.Arrow(worst), ["times"] = worstCount.ToString(), ["unseen_transitions"] = distinct.ToString(), ["unseen_steps"] = steps.ToString() });
            }
        }

        var names = ctx.Surprise("nav_unseen_names");
        if (names >= ExplainContext.MinSurprise)
        {
            var list = new List<string>();
            foreach (var (name, _) in s.Names)
            {
                if (name == SessionState.OverflowKey || !b.TryGetName(name, out _))
                {
                    list.Add(name);
                }
            }
            list.Sort(StringComparer.Ordinal);
            if (list.Count > 0)
            {
                var shown = string.Join(", ", list.GetRange(0, Math.Min(3, list.Count)));
                ctx.Add(reasons, "NAV_UNSEEN_NAME", d, $"{shown} never seen in training{(list.Count > 3 ? $" (+{list.Count - 3} more)" : "")}", names,
                    new() { ["names"] = shown, ["unseen_names"] = list.Count.ToString() });
            }
        }

        var rare = ctx.Surprise("nav_rare_name");
        if (rare >= ExplainContext.MinSurprise && names < ExplainContext.MinSurprise)
        {
            string? rarest = null;
            long sessions = long.MaxValue;
            foreach (var (name, _) in s.Names)
            {
                var counted = b.TryGetName(name, out _) ? b.RaritySessions(name) : long.MaxValue;
                if (counted < sessions)
                {
                    rarest = name;
                    sessions = counted;
                }
            }
            if (rarest is not null)
            {
                var share = b.Sessions > 0 ? (double)sessions / b.Sessions : 0;
                ctx.Add(reasons, "NAV_RARE_NAME", d, $"{rarest} occurs in only {ExplainContext.Fmt(share * 100, "0.###")}% of training sessions", rare,
                    new() { ["name"] = rarest, ["training_sessions_with_name"] = sessions.ToString(), ["training_sessions"] = b.Sessions.ToString() });
            }
        }

        var rareSum = ctx.Surprise("nav_rare_name_sum");
        if (rareSum >= ExplainContext.MinSurprise && rareSum > rare && names < ExplainContext.MinSurprise)
        {
            var cut = Math.Log(Features.FeatureSchema.RareNameSessionsPerOccurrence);
            var rareNames = new List<(long Sessions, string Name)>();
            foreach (var (name, _) in s.Names)
            {
                if (b.TryGetName(name, out _) && b.Rarity(name) > cut)
                {
                    rareNames.Add((b.RaritySessions(name), name));
                }
            }
            rareNames.Sort((x, y) => x.Sessions != y.Sessions ? x.Sessions.CompareTo(y.Sessions) : string.CompareOrdinal(x.Name, y.Name));
            if (rareNames.Count > 1)
            {
                var shown = new List<string>();
                foreach (var (sessions, name) in rareNames.GetRange(0, Math.Min(4, rareNames.Count)))
                {
                    var share = b.Sessions > 0 ? (double)sessions / b.Sessions : 0;
                    shown.Add($"{name} ({ExplainContext.Fmt(share * 100, "0.###")}%)");
                }
                ctx.Add(reasons, "NAV_RARE_NAME", d,
                    $"{rareNames.Count} rarely used pages/actions together: {string.Join(", ", shown)} of training sessions",
                    rareSum, new() { ["rare_names"] = rareNames.Count.ToString(), ["joint_rarity_nats"] = ExplainContext.Fmt(ctx.Features[Features.FeatureSchema.NavRareNameSum], "0.0") });
            }
        }

        var pair = ctx.Surprise("nav_pair_lift");
        if (pair >= ExplainContext.MinSurprise && b.PairNames.Length > 1)
        {
            var k = b.PairNames.Length;
            int bestA = -1, bestB = -1;
            double bestLift = 0;
            foreach (var na in s.Names.Keys)
            {
                var ia = b.PairIndexOf(na);
                if (ia < 0)
                {
                    continue;
                }
                foreach (var nbName in s.Names.Keys)
                {
                    var ib = b.PairIndexOf(nbName);
                    if (ib >= 0 && ib != ia && b.CooccurrenceLift(ia, ib) > bestLift)
                    {
                        (bestA, bestB, bestLift) = (ia, ib, b.CooccurrenceLift(ia, ib));
                    }
                }
            }
            if (bestA >= 0)
            {
                var withA = b.PairSessions[bestA * k + bestA];
                var both = b.PairSessions[bestA * k + bestB];
                var shareB = b.Sessions > 0 ? (double)b.PairSessions[bestB * k + bestB] / b.Sessions : 0;
                ctx.Add(reasons, "NAV_UNUSUAL_COMBINATION", d,
                    $"{b.PairNames[bestA]} with {b.PairNames[bestB]}: {b.PairNames[bestB]} is in {ExplainContext.Fmt(shareB * 100, "0.#")}% of training sessions but in {both} of the {withA} with {b.PairNames[bestA]}",
                    pair, new() { ["name"] = b.PairNames[bestA], ["with"] = b.PairNames[bestB], ["training_sessions_with_name"] = withA.ToString(), ["training_sessions_with_both"] = both.ToString() });
            }
        }
        ExplainNameSet(ctx, reasons);
        ExplainCountProfile(ctx, reasons);

        var exit = ctx.Surprise("nav_exit_surprise");
        if (exit >= ExplainContext.MinSurprise && s.LastName is { } lastName)
        {
            var ends = b.TryGetName(lastName, out var lb) ? lb.EndCount : 0;
            ctx.Add(reasons, "NAV_UNUSUAL_EXIT", d, $"session ended after {lastName}, where {ends} of {b.Sessions} training sessions end", exit,
                new() { ["last"] = lastName, ["training_ends"] = ends.ToString(), ["events"] = s.Events.ToString() });
        }

        var deficit = ctx.Surprise("nav_count_deficit");
        if (deficit >= ExplainContext.MinSurprise)
        {
            var missing = new List<string>();
            foreach (var (name, nb) in b.RequiredNames)
            {
                var c = s.Names.TryGetValue(name, out var ns) ? ns.Count : 0;
                if (Math.Log(1.0 + c) < nb.CountQ01)
                {
                    missing.Add($"{name} ×{c} (usually ≥ {ExplainContext.Fmt(Math.Exp(nb.CountQ01) - 1, "0")})");
                }
            }
            if (missing.Count > 0)
            {
                ctx.Add(reasons, "NAV_MISSING_STEPS", d, $"session ended without the usual steps: {string.Join(", ", missing.GetRange(0, Math.Min(3, missing.Count)))}", deficit,
                    new() { ["missing"] = missing.Count.ToString() });
            }
        }

        var entry = ctx.Surprise("nav_entry_surprise");
        if (entry >= ExplainContext.MinSurprise && s.FirstName is { } first)
        {
            var starts = b.TryGetName(first, out var nb) ? nb.StartCount : 0;
            var share = b.Sessions > 0 ? (double)starts / b.Sessions : 0;
            ctx.Add(reasons, "NAV_RARE_ENTRY", d, $"session started at {first}, where {ExplainContext.Fmt(share * 100, "0.###")}% of training sessions start", entry,
                new() { ["entry"] = first, ["training_starts"] = starts.ToString(), ["training_sessions"] = b.Sessions.ToString() });
        }

        var path = Math.Max(Math.Max(ctx.Surprise("nav_surprise_mean"), ctx.Surprise("nav_surprise_max")), ctx.Surprise("nav_lift_sum"));
        if (path >= ExplainContext.MinSurprise)
        {
            string? rarest = null;
            double rarestSurprise = 0;
            foreach (var (key, _) in s.Transitions)
            {
                if (key == SessionState.OverflowKey)
                {
                    continue;
                }
                var sp = b.TransitionSurprise(key, out var seen);
                if (seen && sp > rarestSurprise)
                {
                    rarest = key;
                    rarestSurprise = sp;
                }
            }
            var message = rarest is null
                ? $"unusual path: mean step surprise {ExplainContext.Fmt(ctx.Features[Features.FeatureSchema.NavSurpriseMean], "0.0")} nats"
                : $"unusual path: {ExplainContext.Arrow(rarest)} follows in only {ExplainContext.Fmt(Math.Exp(-rarestSurprise) * 100, "0.###")}% of training steps";
            ctx.Add(reasons, "NAV_UNLIKELY_PATH", d, message, path,
                new() { ["mean_surprise"] = ExplainContext.Fmt(ctx.Features[Features.FeatureSchema.NavSurpriseMean], "0.00"), ["rarest_transition"] = rarest is null ? "" : ExplainContext.Arrow(rarest) });
        }

        var repeats = ctx.Surprise("nav_count_excess");
        if (repeats >= ExplainContext.MinSurprise)
        {
            string? worst = null;
            double worstExcess = 0;
            long count = 0;
            double q99 = 0;
            foreach (var (name, ns) in s.Names)
            {
                if (b.TryGetName(name, out var nb))
                {
                    var excess = Math.Log(1.0 + ns.Count) - nb.CountQ99;
                    if (excess > worstExcess)
                    {
                        worst = name;
                        worstExcess = excess;
                        count = ns.Count;
                        q99 = Math.Exp(nb.CountQ99) - 1;
                    }
                }
            }
            if (worst is not null)
            {
                ctx.Add(reasons, "NAV_EXCESS_REPEATS", d, $"{worst} {count} times in the session (training p99: {ExplainContext.Fmt(q99, "0")})", repeats,
                    new() { ["name"] = worst, ["count"] = count.ToString(), ["training_p99"] = ExplainContext.Fmt(q99, "0") });
            }
        }
    }

    private static void ExplainNameSet(ExplainContext ctx, List<Reason> reasons)
    {
        var held = ctx.Surprise("nav_name_set_novelty");
        var ended = ctx.Surprise("nav_final_name_set_novelty");
        var sets = ctx.Baselines.NameSets;
        if (Math.Max(held, ended) < ExplainContext.MinSurprise || sets.Names.Length == 0)
        {
            return;
        }
        var set = sets.CountOf(sets.MaskOf(ctx.State));
        var names = sets.NamesOf(set.Mask);
        var shown = string.Join(", ", names.GetRange(0, Math.Min(8, names.Count))) + (names.Count > 8 ? $" (+{names.Count - 8} more)" : "");
        var training = ctx.Baselines.Sessions;
        var final = ended > held;
        var (message, sessions) = final
            ? ($"ended with the combination {shown}: {set.Finals} of {training} training sessions ended with exactly these", set.Finals)
            : ($"{shown} together: {set.Passes} of {training} training sessions held exactly this combination", set.Passes);
        var evidence = new Dictionary<string, string>
        {
            ["names"] = string.Join(",", names), ["training_sessions_with_set"] = sessions.ToString(), ["training_sessions"] = training.ToString(),
        };
        // What an analyst asks next: which names make it unusual.
        if (sets.Nearest(set.Mask, final) is { } near)
        {
            var extra = sets.NamesOf(set.Mask & ~near.Mask);
            var missing = sets.NamesOf(near.Mask & ~set.Mask);
            var diff = string.Join(" and ", new[]
            {
                extra.Count > 0 ? "without " + string.Join(", ", extra) : "",
                missing.Count > 0 ? "with " + string.Join(", ", missing) : "",
            }.Where(x => x.Length > 0));
            var nearHeld = final ? near.Finals : near.Passes;
            message += $"; the nearest that training had is the same {diff} ({nearHeld} sessions)";
            evidence["nearest_extra"] = string.Join(",", extra);
            evidence["nearest_missing"] = string.Join(",", missing);
            evidence["nearest_sessions"] = nearHeld.ToString();
        }
        ctx.Add(reasons, "NAV_UNSEEN_COMBINATION", DetectorNames.Navigation, message, Math.Max(held, ended), evidence);
    }

    private static void ExplainCountProfile(ExplainContext ctx, List<Reason> reasons)
    {
        var surprise = ctx.Surprise("nav_count_profile");
        var table = ctx.Baselines.CountProfiles;
        if (surprise < ExplainContext.MinSurprise)
        {
            return;
        }
        var nearest = table.Nearest(ctx.State, out _);
        if (nearest < 0)
        {
            return;
        }
        var counts = new byte[table.Names.Length];
        table.CountsOf(ctx.State, counts);
        var near = table.Profiles[nearest];
        // The names that set it apart, costliest first: those whose count nearly never varies.
        var differing = new List<int>();
        for (var i = 0; i < table.Names.Length; i++)
        {
            if (counts[i] != near.Counts[i])
            {
                differing.Add(i);
            }
        }
        differing.Sort((x, y) => table.Weights[y].CompareTo(table.Weights[x]));
        var shown = differing.GetRange(0, Math.Min(4, differing.Count));
        var parts = shown.Select(i =>
            $"{table.Names[i]} {counts[i]}× against {near.Counts[i]}× in the nearest ({table.Names[i]}'s count is unusual in {ExplainContext.Fmt(100 * Math.Exp(-table.Weights[i]), "0.##")}% of training sessions)");
        var message = $"ended with counts no training session ended with: {string.Join("; ", parts)}"
            + (differing.Count > shown.Count ? $" (+{differing.Count - shown.Count} more names)" : "")
            + $"; the nearest is how {near.Sessions} training sessions ended";
        ctx.Add(reasons, "NAV_UNUSUAL_COUNTS", DetectorNames.Navigation, message, surprise, new()
        {
            ["names"] = string.Join(",", differing.Select(i => table.Names[i])),
            ["counts"] = string.Join(",", differing.Select(i => counts[i].ToString())),
            ["nearest_counts"] = string.Join(",", differing.Select(i => near.Counts[i].ToString())),
            ["nearest_sessions"] = near.Sessions.ToString(),
        });
    }
}

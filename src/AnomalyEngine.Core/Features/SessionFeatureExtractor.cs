using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Core.Features;

/// <summary>
/// Computes the <see cref="FeatureSchema"/> vector from a <see cref="SessionState"/> and the
/// training <see cref="SessionBaselines"/>, in O(names + transitions) without allocating. It is the
/// only feature code: training, offline scoring and live serving all call it.
/// </summary>
public sealed class SessionFeatureExtractor(SessionBaselines baselines)
{
    /// <summary>The baselines compared against.</summary>
    public SessionBaselines Baselines { get; } = baselines;

    /// <summary>
    /// Fills <paramref name="features"/> (length ≥ <see cref="FeatureSchema.Count"/>) for a live
    /// verdict, or for the final verdict of an ended session when <paramref name="final"/> is set.
    /// </summary>
    public void Extract(SessionState s, Span<double> features, bool final = false)
    {
        if (features.Length < FeatureSchema.Count)
        {
            throw new ArgumentException($"need {FeatureSchema.Count} slots", nameof(features));
        }
        features[..FeatureSchema.Count].Clear();
        var b = Baselines;
        var events = Math.Max(s.Events, 1);

        // Navigation: entry plus every transition, each weighted by how often it was taken.
        var entry = b.EntrySurprise(s.FirstName);
        double surpriseSum = entry, surpriseMax = entry;
        long steps = 1, unseenSteps = 0, unseenDistinct = 0, transitionsTaken = 0;
        double gapZ2 = 0, fastZ2 = 0, liftSum = 0;
        long gapN = 0;
        foreach (var (key, t) in s.Transitions)
        {
            if (key == SessionState.OverflowKey)
            {
                continue;
            }
            var surprise = b.TransitionSurprise(key, out var seen);
            var lift = b.TransitionLift(key);
            if (lift > 0)
            {
                liftSum += t.Count * lift;
            }
            surpriseSum += t.Count * surprise;
            steps += t.Count;
            transitionsTaken += t.Count;
            if (surprise > surpriseMax)
            {
                surpriseMax = surprise;
            }
            if (!seen)
            {
                unseenSteps += t.Count;
                unseenDistinct++;
            }
            else if (b.TryGetTransition(key, out var tb) && tb.GapSamples >= 5)
            {
                gapZ2 += SumSquaredZ(t.Count, t.LogGapSum, t.LogGapSumSq, tb.GapCenter, tb.GapScale);
                gapN += t.Count;
                var fast = (tb.GapCenter - t.LogGapSum / t.Count) / tb.GapScale;
                if (fast > 0)
                {
                    fastZ2 += t.Count * fast * fast;
                }
            }
        }

        long unseenNames = 0, distinct = 0, durN = 0;
        double failZMax = 0, durZ2 = 0, shortZ2 = 0, countDev = 0, rarest = 0, rareSum = 0;
        var rareCut = Math.Log(FeatureSchema.RareNameSessionsPerOccurrence);
        foreach (var (name, ns) in s.Names)
        {
            if (name == SessionState.OverflowKey)
            {
                // Names beyond the cap are many different names: count the pool as unseen once.
                unseenNames++;
                distinct += ns.Count;
                continue;
            }
            distinct++;
            var known = b.TryGetName(name, out var nb);
            if (!known)
            {
                unseenNames++;
            }
            var rarity = b.Rarity(name);
            if (rarity > rareCut)
            {
                rareSum += rarity;
            }
            if (rarity > rarest)
            {
                rarest = rarity;
            }
            if (ns.Attempts > 0)
            {
                var p = b.FailRate(known ? nb : null);
                var z = (ns.Failures - ns.Attempts * p) / Math.Sqrt(ns.Attempts * p * (1 - p) + 0.25);
                if (z > failZMax)
                {
                    failZMax = z;
                }
            }
            if (known)
            {
                if (ns.Durations > 0 && nb.DurationSamples >= 5)
                {
                    durZ2 += SumSquaredZ(ns.Durations, ns.LogDurationSum, ns.LogDurationSumSq, nb.DurationCenter, nb.DurationScale);
                    durN += ns.Durations;
                    var shortZ = (nb.DurationCenter - ns.LogDurationSum / ns.Durations) / nb.DurationScale;
                    if (shortZ > 0)
                    {
                        shortZ2 += ns.Durations * shortZ * shortZ;
                    }
                }
                var excess = Math.Log(1.0 + ns.Count) - nb.CountQ99;
                if (excess > 0)
                {
                    var z = excess / nb.CountScale;
                    countDev += z * z;
                }
            }
        }

        features[FeatureSchema.NavSurpriseMean] = surpriseSum / steps;
        features[FeatureSchema.NavSurpriseMax] = surpriseMax;
        features[FeatureSchema.NavUnseenTransitionShare] = transitionsTaken == 0 ? 0 : (double)unseenSteps / transitionsTaken;
        features[FeatureSchema.NavUnseenTransitions] = Math.Log(1.0 + unseenDistinct);
        features[FeatureSchema.NavUnseenNames] = unseenNames;
        features[FeatureSchema.NavRareName] = rarest;
        features[FeatureSchema.NavRareNameSum] = rareSum;
        features[FeatureSchema.NavLiftSum] = liftSum;
        if (b.PairNames.Length > 1)
        {
            Span<int> ids = stackalloc int[SessionBaselines.MaxPairNames];
            var k = 0;
            foreach (var name in s.Names.Keys)
            {
                var i = b.PairIndexOf(name);
                if (i >= 0 && k < ids.Length)
                {
                    ids[k++] = i;
                }
            }
            double pairMax = 0;
            for (var x = 0; x < k; x++)
            {
                for (var y = 0; y < k; y++)
                {
                    if (x != y)
                    {
                        var lift = b.CooccurrenceLift(ids[x], ids[y]);
                        if (lift > pairMax)
                        {
                            pairMax = lift;
                        }
                    }
                }
            }
            features[FeatureSchema.NavPairLift] = pairMax;
        }
        var set = b.NameSets.CountOf(b.NameSets.MaskOf(s));
        features[FeatureSchema.NavNameSetNovelty] = 1.0 / (1 + set.Passes);
        features[FeatureSchema.NavFinalNameSetNovelty] = 1.0 / (1 + set.Finals);
        features[FeatureSchema.NavEntrySurprise] = entry;
        features[FeatureSchema.NavBreadth] = (double)distinct / events;
        features[FeatureSchema.NavRevisits] = Math.Log(1.0 + Math.Max(0, events - distinct));
        features[FeatureSchema.NavCountExcess] = Math.Sqrt(countDev);
        features[FeatureSchema.NavExitSurprise] = b.ExitSurprise(s.LastName);
        double deficit = 0;
        foreach (var (name, nb) in b.RequiredNames)
        {
            var c = s.Names.TryGetValue(name, out var ns) ? ns.Count : 0;
            var gap = nb.CountQ01 - Math.Log(1.0 + c);
            if (gap > 0)
            {
                var z = gap / nb.CountScale;
                deficit += z * z;
            }
        }
        features[FeatureSchema.NavCountDeficit] = Math.Sqrt(deficit);
        if (final)
        {
            features[FeatureSchema.NavCountProfileDistance] = Math.Log(1.0 + b.CountProfiles.Distance(s));
        }

        // Durations and timing.
        var elapsedMs = Math.Max(0, s.LastTs - s.FirstTs);
        features[FeatureSchema.DurLogEvents] = Math.Log(1.0 + s.Events);
        features[FeatureSchema.DurLogElapsed] = Math.Log(1.0 + elapsedMs / 1000.0);
        features[FeatureSchema.DurGapDev] = gapN == 0 ? 0 : Math.Sqrt(gapZ2 / gapN);
        features[FeatureSchema.DurDurationDev] = durN == 0 ? 0 : Math.Sqrt(durZ2 / durN);
        features[FeatureSchema.DurGapFast] = Math.Sqrt(fastZ2);
        features[FeatureSchema.DurDurationShort] = Math.Sqrt(shortZ2);
        if (s.Gaps > 0)
        {
            features[FeatureSchema.DurSpeedZ] = (s.LogGapSum / s.Gaps - b.GapCenter) / b.GapScale;
        }
        if (s.Gaps >= 2)
        {
            var mean = s.GapSum / s.Gaps;
            var variance = Math.Max(0, s.GapSumSq / s.Gaps - mean * mean);
            var cv = mean > 0 ? Math.Sqrt(variance) / mean : 0;
            features[FeatureSchema.DurGapCv] = cv;
            if (s.Gaps >= 3)
            {
                features[FeatureSchema.DurRegularity] = Math.Max(0, Math.Log(b.TypicalGapCv + 0.01) - Math.Log(cv + 0.01));
            }
        }

        // Failed actions.
        var attempts = s.Failures + s.Successes;
        features[FeatureSchema.FailExcessZ] = Math.Log(1.0 + failZMax);
        features[FeatureSchema.FailRatio] = attempts == 0 ? 0 : (double)s.Failures / attempts;
        features[FeatureSchema.FailMaxStreak] = s.MaxFailStreak;
        features[FeatureSchema.FailPerMinute] = s.Failures * 60_000.0 / Math.Max(elapsedMs, 10_000);
        features[FeatureSchema.FailCount] = Math.Log(1.0 + s.Failures);

        // Where the events come from.
        var ipChanges = s.Context(ContextAttribute.Ip).Changes;
        features[FeatureSchema.CtxIpChangeRarity] = ipChanges == 0 ? 0 : ipChanges * b.IpChangeRarity(s.Context(ContextAttribute.Device).Digest);
        features[FeatureSchema.CtxDeviceChanges] = s.Context(ContextAttribute.Device).Changes;
        features[FeatureSchema.CtxCountryChanges] = s.Context(ContextAttribute.Country).Changes;
        var check = s.UserCheck ?? default;
        var device = s.Context(ContextAttribute.Device).Digest;
        var novelty = 0.0;
        for (var a = 0; a < SessionContext.Count; a++)
        {
            novelty += features[FeatureSchema.UserNewNetwork + a] = b.UserNoveltyRarity((ContextAttribute)a, check, device);
        }
        features[FeatureSchema.UserNovelty] = novelty;
    }

    /// <summary>Σ((x − c)/scale)² over n values, exactly, from Σx and Σx².</summary>
    public static double SumSquaredZ(long n, double sum, double sumSq, double center, double scale)
    {
        var ss = sumSq - 2 * center * sum + n * center * center;
        return Math.Max(0, ss) / (scale * scale);
    }
}

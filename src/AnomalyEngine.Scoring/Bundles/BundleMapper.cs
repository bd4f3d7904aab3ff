using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Calibration;
using AnomalyEngine.Scoring.Models;

namespace AnomalyEngine.Scoring.Bundles;

/// <summary>Maps between live scoring objects and their persisted V1 DTOs.</summary>
public static class BundleMapper
{
    /// <summary>Baselines → DTO (sorted for stable, diffable files).</summary>
    public static BaselinesV1 ToDto(SessionBaselines b)
    {
        var dto = new BaselinesV1
        {
            Sessions = b.Sessions,
            Alpha = b.Alpha,
            GapCenter = b.GapCenter,
            GapScale = b.GapScale,
            TypicalGapCv = b.TypicalGapCv,
            PairNames = [.. b.PairNames],
            PairSessions = [.. b.PairSessions],
            SetNames = [.. b.NameSets.Names],
            NameSets = [.. b.NameSets.Counts.OrderBy(c => c.Mask).Select(c => new NameSetV1 { Mask = c.Mask, Passes = c.Passes, Finals = c.Finals })],
            Context = [.. b.Context.Select((c, a) => new ContextBaselineV1
            {
                Attribute = SessionContext.Key((ContextAttribute)a), Sessions = c.Sessions, ChangedSessions = c.ChangedSessions,
                UserChecks = [.. b.UserHistory[a].Checks], UserNovel = [.. b.UserHistory[a].Novel],
            })],
            CountWeights = [.. b.CountProfiles.Weights],
            CountProfiles = [.. b.CountProfiles.Profiles.Select(p => new CountProfileV1 { Counts = ProfileCounts(b.CountProfiles.Names, p), Sessions = p.Sessions })],
            Families = [.. b.Families.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new NameFamilyV1 { Family = f.Key, Sessions = f.Value })],
            Devices = [.. b.Devices.Select(d => new DeviceBaselineV1
            {
                Device = d.Device, Sessions = d.Sessions, IpChangedSessions = d.IpChangedSessions, UserChecks = d.UserChecks, NewNetworks = d.NewNetworks,
            })],
        };
        var names = new List<string>(b.Names.Keys);
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var n = b.Names[name];
            dto.Names.Add(new NameBaselineV1
            {
                Name = name, Sessions = n.Sessions, Events = n.Events, StartCount = n.StartCount, EndCount = n.EndCount, OutTotal = n.OutTotal,
                Attempts = n.Attempts, Failures = n.Failures, FailuresP99 = n.FailuresP99,
                CountQ99 = n.CountQ99, CountQ01 = n.CountQ01, CountScale = n.CountScale, DurationCenter = n.DurationCenter,
                DurationScale = n.DurationScale, DurationSamples = n.DurationSamples,
            });
        }
        var keys = new List<string>(b.Transitions.Keys);
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var t = b.Transitions[key];
            var (from, to) = SessionState.SplitTransition(key);
            dto.Transitions.Add(new TransitionBaselineV1
            {
                From = from, To = to, Count = t.Count, GapCenter = t.GapCenter, GapScale = t.GapScale, GapSamples = t.GapSamples,
            });
        }
        return dto;
    }

    /// <summary>DTO → baselines.</summary>
    public static SessionBaselines FromDto(BaselinesV1 dto)
    {
        var names = new Dictionary<string, NameBaseline>(StringComparer.Ordinal);
        foreach (var n in dto.Names)
        {
            names[n.Name] = new NameBaseline(n.Sessions, n.Events, n.StartCount, n.EndCount, n.OutTotal, n.Attempts, n.Failures, n.FailuresP99,
                n.CountQ99, n.CountQ01, Math.Max(n.CountScale, SessionBaselines.MinLogScale), n.DurationCenter,
                Math.Max(n.DurationScale, SessionBaselines.MinLogScale), n.DurationSamples);
        }
        var transitions = new Dictionary<string, TransitionBaseline>(StringComparer.Ordinal);
        foreach (var t in dto.Transitions)
        {
            transitions[SessionState.TransitionKey(t.From, t.To)] =
                new TransitionBaseline(t.Count, t.GapCenter, Math.Max(t.GapScale, SessionBaselines.MinLogScale), t.GapSamples);
        }
        var context = ContextFromDto(dto.Context);
        var sets = new NameSetTable(dto.SetNames ?? [], (dto.NameSets ?? []).Select(c => new NameSetCount(c.Mask, c.Passes, c.Finals)));
        return new SessionBaselines(dto.Sessions, dto.Alpha, dto.GapCenter, dto.GapScale, dto.TypicalGapCv, names, transitions, dto.PairNames, dto.PairSessions,
            sets,
            context?.Changes, dto.Devices?.Select(d => new DeviceBaseline(d.Device, d.Sessions, d.IpChangedSessions, d.UserChecks, d.NewNetworks)).ToList(),
            context?.UserHistory, dto.Families?.ToDictionary(f => f.Family, f => f.Sessions, StringComparer.Ordinal),
            CountProfilesFromDto(dto, sets));
    }

    private static Dictionary<string, int> ProfileCounts(string[] names, CountProfile p)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            if (p.Counts[i] != 0)
            {
                counts[names[i]] = p.Counts[i];
            }
        }
        return counts;
    }

    /// <summary>The count profiles, over the name-set table's names (null in older bundles).</summary>
    private static CountProfileTable? CountProfilesFromDto(BaselinesV1 dto, NameSetTable sets)
    {
        if (dto.CountWeights is null)
        {
            return null;
        }
        var profiles = (dto.CountProfiles ?? []).Select(p =>
        {
            var counts = new byte[sets.Names.Length];
            foreach (var (name, count) in p.Counts)
            {
                var i = sets.IndexOf(name);
                if (i < 0 || count is < 1 or > CountProfileTable.MaxCount)
                {
                    throw new InvalidDataException($"count profile entry \"{name}\": {count} is not a count 1–{CountProfileTable.MaxCount} of a set name");
                }
                counts[i] = (byte)count;
            }
            return new CountProfile(counts, p.Sessions);
        });
        return new CountProfileTable(sets.Names, dto.CountWeights, profiles);
    }

    private static (ContextBaseline[] Changes, UserHistoryBaseline[] UserHistory)? ContextFromDto(List<ContextBaselineV1>? dto)
    {
        if (dto is null)
        {
            return null;
        }
        var changes = new ContextBaseline[SessionContext.Count];
        var history = new UserHistoryBaseline[SessionContext.Count];
        for (var a = 0; a < changes.Length; a++)
        {
            var key = SessionContext.Key((ContextAttribute)a);
            var entry = dto.Find(c => c.Attribute == key)
                ?? throw new InvalidDataException($"context baselines lack attribute \"{key}\"");
            changes[a] = new ContextBaseline(entry.Sessions, entry.ChangedSessions);
            if (entry.UserChecks?.Count != UserHistoryBaseline.Buckets || entry.UserNovel?.Count != UserHistoryBaseline.Buckets)
            {
                throw new InvalidDataException($"context baseline \"{key}\" needs user_checks and user_novel of {UserHistoryBaseline.Buckets} buckets each");
            }
            history[a] = new UserHistoryBaseline([.. entry.UserChecks], [.. entry.UserNovel]);
        }
        return (changes, history);
    }

    /// <summary>Calibration parts → DTO.</summary>
    public static CalibrationV1 ToDto(ScoringModel model, SessionCalibration calibration)
    {
        var dto = new CalibrationV1
        {
            BucketToGroup = model.Groups.BucketToGroup,
            Means = model.Standardizer.Means,
            Scales = model.Standardizer.Scales,
            SessionMaxima = calibration.SortedMaxima,
            CalibrationSessions = calibration.Sessions,
            TailScale = calibration.TailScale,
        };
        var tails = model.Tails!;
        for (var c = 0; c < model.ComponentCount; c++)
        {
            var ct = new ComponentTailsV1 { Component = model.Components[c].Name };
            foreach (var t in tails[c])
            {
                ct.Groups.Add(new TailV1 { N = t.N, TailStart = t.TailStart, TailCount = t.TailCount, Scale = t.Scale, Sorted = t.Sorted });
            }
            dto.Tails.Add(ct);
        }
        return dto;
    }

    /// <summary>DTO → scoring model and calibration; throws InvalidDataException on inconsistent shapes.</summary>
    public static (ScoringModel Model, SessionCalibration Calibration) FromDto(
        CalibrationV1 dto, SessionBaselines baselines, PcaProjection pca, SupervisedModel? supervised)
    {
        var groups = new LengthGroups(dto.BucketToGroup);
        var slots = groups.Count + 1;
        if (dto.Means.Length != slots || dto.Scales.Length != slots)
        {
            throw new InvalidDataException($"standardizer has {dto.Means.Length} groups, expected {slots} (length groups + final)");
        }
        foreach (var row in dto.Means)
        {
            if (row.Length != FeatureSchema.Count)
            {
                throw new InvalidDataException($"standardizer has {row.Length} features, schema has {FeatureSchema.Count}");
            }
        }
        if (pca.Dimension != FeatureSchema.Count)
        {
            throw new InvalidDataException($"PCA model has dimension {pca.Dimension}, schema has {FeatureSchema.Count}");
        }
        var standardizer = new FeatureStandardizer(dto.Means, dto.Scales);
        var probe = new ScoringModel(baselines, groups, standardizer, pca, supervised, null);
        if (dto.Tails.Count != probe.ComponentCount)
        {
            throw new InvalidDataException($"{dto.Tails.Count} tail components, model expects {probe.ComponentCount}");
        }
        var tails = new TailTable[dto.Tails.Count][];
        for (var c = 0; c < dto.Tails.Count; c++)
        {
            var ct = dto.Tails[c];
            if (ct.Component != probe.Components[c].Name)
            {
                throw new InvalidDataException($"tail component {c} is \"{ct.Component}\", expected \"{probe.Components[c].Name}\"");
            }
            if (ct.Groups.Count != slots)
            {
                throw new InvalidDataException($"component {ct.Component} has {ct.Groups.Count} tails, expected {slots}");
            }
            tails[c] = new TailTable[slots];
            for (var g = 0; g < slots; g++)
            {
                var t = ct.Groups[g];
                if (t.Sorted.Length == 0)
                {
                    throw new InvalidDataException($"component {ct.Component} group {g} has an empty tail");
                }
                tails[c][g] = new TailTable(t.Sorted, t.N, t.TailStart, t.TailCount, t.Scale);
            }
        }
        var model = new ScoringModel(baselines, groups, standardizer, pca, supervised, tails);
        var calibration = new SessionCalibration(dto.SessionMaxima, dto.CalibrationSessions, dto.TailScale);
        return (model, calibration);
    }
}

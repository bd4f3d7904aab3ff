using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Core.Features;

/// <summary>
/// Learns <see cref="SessionBaselines"/> from training sessions. Counts come from the final
/// <see cref="SessionState"/>; medians and MADs need individual values, so gaps and durations are
/// read from the session's time-ordered events into seeded reservoirs (bounded memory on any input).
/// </summary>
public sealed class SessionBaselinesBuilder(int seed, double alpha = 1.0)
{
    private const int ReservoirCap = 2048;

    private readonly Random _random = new(seed);
    private readonly Dictionary<string, NameAccumulator> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Count, Reservoir Gaps)> _transitions = new(StringComparer.Ordinal);
    private readonly Reservoir _allGaps = new();
    private readonly Reservoir _gapCvs = new();
    private long _sessions;
    private readonly List<string[]> _sessionNames = [];
    private readonly List<long[]> _sessionCounts = [];
    private readonly ContextBaseline[] _context = new ContextBaseline[SessionContext.Count];
    private readonly Dictionary<string, (long Sessions, long IpChanged, long UserChecks, long NewNetworks)> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _families = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sessionFamilies = new(StringComparer.Ordinal);
    private readonly UserHistoryBaseline[] _userHistory = [UserHistoryBaseline.Empty(), UserHistoryBaseline.Empty(), UserHistoryBaseline.Empty()];

    /// <summary>Devices kept in the baselines, the most common first; rarer ones use the rate over all devices.</summary>
    public const int MaxDevices = 256;

    /// <summary>Adds one training session: its events in time order and its final state.</summary>
    public void AddSession(IReadOnlyList<SessionEvent> orderedEvents, SessionState final)
    {
        _sessions++;
        // The names the state kept, in the order they first occurred: the growth of the name set.
        var present = new List<string>(final.Names.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in orderedEvents)
        {
            if (final.Names.ContainsKey(e.Name) && seen.Add(e.Name))
            {
                present.Add(e.Name);
            }
        }
        _sessionNames.Add([.. present]);
        _sessionCounts.Add([.. present.Select(n => final.Names[n].Count)]);
        foreach (var (name, ns) in final.Names)
        {
            if (name == SessionState.OverflowKey)
            {
                continue;
            }
            var acc = Name(name);
            acc.Sessions++;
            acc.Events += ns.Count;
            acc.Attempts += ns.Attempts;
            acc.Failures += ns.Failures;
            if (ns.Attempts > 0)
            {
                acc.FailuresPerSession.Add(ns.Failures, _random);
            }
            acc.LogCounts.Add(Math.Log(1.0 + ns.Count), _random);
        }
        _sessionFamilies.Clear();
        foreach (var name in final.Names.Keys)
        {
            if (NameFamily.IsTemplated(name))
            {
                _sessionFamilies.Add(NameFamily.Of(name));
            }
        }
        foreach (var family in _sessionFamilies)
        {
            _families[family] = _families.GetValueOrDefault(family) + 1;
        }
        if (final.FirstName is { } first)
        {
            Name(first).StartCount++;
        }
        if (final.LastName is { } last)
        {
            Name(last).EndCount++;
        }
        foreach (var (key, t) in final.Transitions)
        {
            if (key == SessionState.OverflowKey)
            {
                continue;
            }
            var i = key.IndexOf(SessionState.TransitionSeparator);
            if (i > 0)
            {
                Name(key[..i]).OutTotal += t.Count;
            }
            if (_transitions.TryGetValue(key, out var entry))
            {
                _transitions[key] = (entry.Count + t.Count, entry.Gaps);
            }
            else
            {
                _transitions[key] = (t.Count, new Reservoir());
            }
        }
        for (var a = 0; a < SessionContext.Count; a++)
        {
            var track = final.Context((ContextAttribute)a);
            if (track.Digest != 0)
            {
                _context[a] = new ContextBaseline(_context[a].Sessions + 1, _context[a].ChangedSessions + (track.Changes > 0 ? 1 : 0));
            }
        }
        var returning = final.UserCheck is { PriorSessions: >= 1 } check ? check : (UserCheck?)null;
        if (returning is { } c)
        {
            var bucket = UserHistoryBaseline.BucketOf(c.PriorSessions);
            for (var a = 0; a < SessionContext.Count; a++)
            {
                if (final.Context((ContextAttribute)a).Digest != 0)
                {
                    _userHistory[a].Checks[bucket]++;
                    _userHistory[a].Novel[bucket] += c.IsNovel((ContextAttribute)a) ? 1 : 0;
                }
            }
        }
        if (LatestDevice(orderedEvents) is { } device)
        {
            var (n, changed, checks, newNetworks) = _devices.GetValueOrDefault(device);
            _devices[device] = (n + 1, changed + (final.Context(ContextAttribute.Ip).Changes > 0 ? 1 : 0),
                checks + (returning is null ? 0 : 1), newNetworks + (returning?.IsNovel(ContextAttribute.Ip) == true ? 1 : 0));
        }
        if (final.Gaps >= 3)
        {
            var mean = final.GapSum / final.Gaps;
            var variance = Math.Max(0, final.GapSumSq / final.Gaps - mean * mean);
            _gapCvs.Add(mean > 0 ? Math.Sqrt(variance) / mean : 0, _random);
        }

        // Individual values for robust timing baselines, folded like the reducer: in-order gaps only.
        SessionEvent? prev = null;
        foreach (var e in orderedEvents)
        {
            if (e.DurationMs is { } d)
            {
                Name(e.Name).Durations.Add(Math.Log(1.0 + d), _random);
            }
            if (prev is not null && e.Ts >= prev.Ts)
            {
                var lg = Math.Log(1.0 + (e.Ts - prev.Ts));
                _allGaps.Add(lg, _random);
                if (_transitions.TryGetValue(SessionState.TransitionKey(prev.Name, e.Name), out var entry))
                {
                    entry.Gaps.Add(lg, _random);
                }
            }
            prev = e;
        }
    }

    /// <summary>Freezes what was learned.</summary>
    public SessionBaselines Build()
    {
        var names = new Dictionary<string, NameBaseline>(StringComparer.Ordinal);
        foreach (var (name, a) in _names)
        {
            var (durCenter, durScale) = a.Durations.CenterAndScale();
            var (_, countScale) = a.LogCounts.CenterAndScale();
            // p1 over all sessions, zeros included: positive only when fewer than 1 % of sessions lack the name.
            var missing = _sessions - a.Sessions;
            var q01 = 0.0;
            if (missing < 0.01 * _sessions && a.Sessions > 0)
            {
                q01 = a.LogCounts.Quantile((0.01 * _sessions - missing) / a.Sessions);
            }
            names[name] = new NameBaseline(
                a.Sessions, a.Events, a.StartCount, a.EndCount, a.OutTotal, a.Attempts, a.Failures,
                a.FailuresPerSession.Quantile(0.99), a.LogCounts.Quantile(0.99), q01, countScale,
                durCenter, durScale, a.Durations.Seen);
        }
        var transitions = new Dictionary<string, TransitionBaseline>(StringComparer.Ordinal);
        foreach (var (key, (count, gaps)) in _transitions)
        {
            var (c, s) = gaps.CenterAndScale();
            transitions[key] = new TransitionBaseline(count, c, s, gaps.Seen);
        }
        var (gapCenter, gapScale) = _allGaps.CenterAndScale();
        // Names by the sessions that contain them, most first (ties by name): both the co-occurrence
        // table and the name-set table take the most common ones.
        var byUse = new List<(long Sessions, string Name)>(_names.Count);
        foreach (var (name, a) in _names)
        {
            byUse.Add((a.Sessions, name));
        }
        byUse.Sort((x, y) => x.Sessions != y.Sessions ? y.Sessions.CompareTo(x.Sessions) : string.CompareOrdinal(x.Name, y.Name));
        // Co-occurrence of the most common names (sessions containing both).
        var k = 0;
        while (k < Math.Min(byUse.Count, SessionBaselines.MaxPairNames) && byUse[k].Sessions >= SessionBaselines.MinPairNameSessions)
        {
            k++;
        }
        var pairNames = new string[k];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < k; i++)
        {
            pairNames[i] = byUse[i].Name;
            index[pairNames[i]] = i;
        }
        var pairs = new long[k * k];
        var ids = new List<int>();
        foreach (var present in _sessionNames)
        {
            ids.Clear();
            foreach (var n in present)
            {
                if (index.TryGetValue(n, out var i))
                {
                    ids.Add(i);
                }
            }
            foreach (var i in ids)
            {
                foreach (var j in ids)
                {
                    pairs[i * k + j]++;
                }
            }
        }
        var nameSets = BuildNameSets(byUse);
        return new SessionBaselines(_sessions, alpha, gapCenter, gapScale, _gapCvs.Quantile(0.5), names, transitions, pairNames, pairs, nameSets, _context, BuildDevices(), _userHistory, _families,
            BuildCountProfiles(nameSets));
    }

    /// <summary>The device value the state's device digest stands for at the session's end: its latest.</summary>
    private static string? LatestDevice(IReadOnlyList<SessionEvent> orderedEvents)
    {
        for (var i = orderedEvents.Count - 1; i >= 0; i--)
        {
            if (SessionContext.ValueOf(orderedEvents[i].Attributes, ContextAttribute.Device) is { } device)
            {
                return device;
            }
        }
        return null;
    }

    private List<DeviceBaseline> BuildDevices()
    {
        var devices = new List<DeviceBaseline>(_devices.Count);
        foreach (var (device, (n, changed, checks, newNetworks)) in _devices)
        {
            devices.Add(new DeviceBaseline(device, n, changed, checks, newNetworks));
        }
        devices.Sort((a, b) => a.Sessions != b.Sessions ? b.Sessions.CompareTo(a.Sessions) : string.CompareOrdinal(a.Device, b.Device));
        return devices.Count > MaxDevices ? devices[..MaxDevices] : devices;
    }

    /// <summary>The sets of the most common names each session held after each of its events, and at its end.</summary>
    private NameSetTable BuildNameSets(List<(long Sessions, string Name)> byUse)
    {
        var setNames = new List<string>();
        var bit = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, name) in byUse.GetRange(0, Math.Min(byUse.Count, NameSetTable.MaxNames)))
        {
            bit[name] = setNames.Count;
            setNames.Add(name);
        }
        var counts = new Dictionary<ulong, NameSetCount>();
        foreach (var present in _sessionNames)
        {
            // A set only grows, so each set held after some event is counted once per session.
            var mask = 0UL;
            for (var k = 0; k < present.Length; k++)
            {
                var grew = bit.TryGetValue(present[k], out var i) && (mask & (1UL << i)) == 0;
                mask |= grew ? 1UL << i : 0;
                if (k == 0 || grew)
                {
                    var c = counts.GetValueOrDefault(mask, new NameSetCount(mask, 0, 0));
                    counts[mask] = c with { Passes = c.Passes + 1 };
                }
            }
            if (present.Length > 0)
            {
                counts[mask] = counts[mask] with { Finals = counts[mask].Finals + 1 };
            }
        }
        // Bounded size: where nearly every session's set is its own (a long tail of product pages),
        // the sets held by a single session are dropped and count as unseen.
        var kept = new List<NameSetCount>(counts.Values);
        if (kept.Count > NameSetTable.MaxSets)
        {
            kept.RemoveAll(c => c.Passes < 2);
            for (var j = 0; j < kept.Count; j++)
            {
                kept[j] = kept[j].Finals < 2 ? kept[j] with { Finals = 0 } : kept[j];
            }
        }
        return new NameSetTable(setNames, kept);
    }

    /// <summary>Each session's final counts of the name-set table's names.</summary>
    private CountProfileTable BuildCountProfiles(NameSetTable sets)
    {
        var finals = new List<byte[]>(_sessionNames.Count);
        for (var s = 0; s < _sessionNames.Count; s++)
        {
            var counts = new byte[sets.Names.Length];
            for (var k = 0; k < _sessionNames[s].Length; k++)
            {
                var i = sets.IndexOf(_sessionNames[s][k]);
                if (i >= 0)
                {
                    counts[i] = (byte)Math.Min(_sessionCounts[s][k], CountProfileTable.MaxCount);
                }
            }
            finals.Add(counts);
        }
        return CountProfileTable.Build(sets.Names, finals);
    }

    private NameAccumulator Name(string name)
    {
        if (!_names.TryGetValue(name, out var acc))
        {
            acc = new NameAccumulator();
            _names[name] = acc;
        }
        return acc;
    }

    private sealed class NameAccumulator
    {
        public long Sessions;
        public long Events;
        public long StartCount;
        public long EndCount;
        public long OutTotal;
        public long Attempts;
        public long Failures;
        public readonly Reservoir FailuresPerSession = new();
        public readonly Reservoir LogCounts = new();
        public readonly Reservoir Durations = new();
    }

    /// <summary>Uniform sample of at most <see cref="ReservoirCap"/> values (algorithm R).</summary>
    private sealed class Reservoir
    {
        private readonly List<double> _values = [];
        private bool _sorted;

        public long Seen { get; private set; }

        public void Add(double v, Random random)
        {
            Seen++;
            _sorted = false;
            if (_values.Count < ReservoirCap)
            {
                _values.Add(v);
                return;
            }
            var j = random.NextInt64(Seen);
            if (j < ReservoirCap)
            {
                _values[(int)j] = v;
            }
        }

        public double Quantile(double q)
        {
            if (_values.Count == 0)
            {
                return 0;
            }
            Sort();
            var idx = (int)Math.Ceiling(q * _values.Count) - 1;
            return _values[Math.Clamp(idx, 0, _values.Count - 1)];
        }

        public (double Center, double Scale) CenterAndScale()
        {
            if (_values.Count == 0)
            {
                return (0, SessionBaselines.MinLogScale);
            }
            var median = Quantile(0.5);
            var deviations = new double[_values.Count];
            for (var i = 0; i < deviations.Length; i++)
            {
                deviations[i] = Math.Abs(_values[i] - median);
            }
            Array.Sort(deviations);
            var mad = deviations[(deviations.Length - 1) / 2];
            return (median, Math.Max(1.4826 * mad, SessionBaselines.MinLogScale));
        }

        private void Sort()
        {
            if (!_sorted)
            {
                _values.Sort();
                _sorted = true;
            }
        }
    }
}

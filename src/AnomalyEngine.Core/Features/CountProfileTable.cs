using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Core.Features;

/// <summary>How often each name occurred in a session that ended (over <see cref="CountProfileTable.Names"/>), and how many training sessions ended exactly so.</summary>
/// <param name="Counts">Occurrences per table name, capped at <see cref="CountProfileTable.MaxCount"/>.</param>
/// <param name="Sessions">Training sessions that ended with exactly these counts.</param>
public readonly record struct CountProfile(byte[] Counts, long Sessions);

/// <summary>
/// The name counts training sessions ended with, and how costly each name's count is to differ:
/// the final verdict's <see cref="FeatureSchema.NavCountProfileDistance"/> grows with the cost to
/// the nearest of them. A name whose count varies from session to session (a retried step, a page
/// read twice) costs little; one whose count nearly never varies (a step done exactly three
/// times, an error that nearly never occurs) costs much. HDFS: 59 count profiles cover 5,471
/// normal blocks; a normal block plus one failed <c>E20</c> is ~6 from the nearest of them, one
/// with one more retried <c>E2</c> ~2. Names outside the table (never seen in training) do not
/// count: the rare-name features judge those. Immutable.
/// </summary>
public sealed class CountProfileTable
{
    /// <summary>Counts are capped here: beyond it, "many".</summary>
    public const int MaxCount = byte.MaxValue;

    /// <summary>
    /// Most profiles: when training sessions end with more distinct counts than this, their counts
    /// have no repeated structure to compare with (the simulator's web traffic: 21,948 profiles
    /// among 49,000 sessions, against HDFS's 59 among 5,471), the table keeps none and the distance
    /// is 0 for every session. A kept subset would make the distance say which profiles were kept,
    /// and each final verdict compares with all of them.
    /// </summary>
    public const int MaxProfiles = 1024;

    /// <summary>No names and no profiles (baselines built without a table): the distance is 0 for every session.</summary>
    public static CountProfileTable Empty { get; } = new([], [], []);

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly CountProfile[] _profiles;

    /// <summary>Creates the table; throws ArgumentException when weights or a profile's counts do not match the names.</summary>
    public CountProfileTable(IReadOnlyList<string> names, IReadOnlyList<double> weights, IEnumerable<CountProfile> profiles)
    {
        if (names.Count > NameSetTable.MaxNames || weights.Count != names.Count)
        {
            throw new ArgumentException($"count profiles need ≤ {NameSetTable.MaxNames} names and one weight each, got {names.Count} names and {weights.Count} weights");
        }
        Names = [.. names];
        Weights = [.. weights];
        for (var i = 0; i < Names.Length; i++)
        {
            _index[Names[i]] = i;
            if (!(Weights[i] >= 0) || double.IsInfinity(Weights[i]))
            {
                throw new ArgumentException($"weight of \"{Names[i]}\" must be a finite number ≥ 0, got {Weights[i]}");
            }
        }
        _profiles = [.. profiles];
        foreach (var p in _profiles)
        {
            if (p.Counts.Length != Names.Length)
            {
                throw new ArgumentException($"a count profile has {p.Counts.Length} counts for {Names.Length} names");
            }
        }
    }

    /// <summary>The names counted, in count order.</summary>
    public string[] Names { get; }

    /// <summary>Cost of a differing count, per name: ln((sessions + 1) / (sessions whose count differed from the most common one + 1)).</summary>
    public double[] Weights { get; }

    /// <summary>The profiles training sessions ended with.</summary>
    public IReadOnlyList<CountProfile> Profiles => _profiles;

    /// <summary>The session's counts over the table's names, capped. Allocation-free.</summary>
    public void CountsOf(SessionState s, Span<byte> counts)
    {
        counts[..Names.Length].Clear();
        foreach (var (name, ns) in s.Names)
        {
            if (_index.TryGetValue(name, out var i))
            {
                counts[i] = (byte)Math.Min(ns.Count, MaxCount);
            }
        }
    }

    /// <summary>Cost from the session's counts to the nearest profile (0 without profiles). O(profiles × names), allocation-free.</summary>
    public double Distance(SessionState s) => Nearest(s, out var d) < 0 ? 0 : d;

    /// <summary>Index of the nearest profile (ties: the one more sessions held) and its cost; −1 without profiles.</summary>
    public int Nearest(SessionState s, out double distance)
    {
        distance = 0;
        if (_profiles.Length == 0)
        {
            return -1;
        }
        Span<byte> counts = stackalloc byte[NameSetTable.MaxNames];
        CountsOf(s, counts);
        var best = -1;
        var bestCost = double.PositiveInfinity;
        for (var p = 0; p < _profiles.Length; p++)
        {
            var profile = _profiles[p].Counts;
            var cost = 0.0;
            for (var i = 0; i < profile.Length && cost <= bestCost; i++)
            {
                if (profile[i] != counts[i])
                {
                    cost += Weights[i];
                }
            }
            if (cost < bestCost || (cost == bestCost && _profiles[p].Sessions > _profiles[best].Sessions))
            {
                best = p;
                bestCost = cost;
            }
        }
        distance = bestCost;
        return best;
    }

    /// <summary>Builds the table from each training session's final counts over <paramref name="names"/>.</summary>
    public static CountProfileTable Build(IReadOnlyList<string> names, IReadOnlyList<byte[]> finals)
    {
        var n = names.Count;
        var weights = new double[n];
        var perCount = new long[MaxCount + 1];
        for (var i = 0; i < n; i++)
        {
            Array.Clear(perCount);
            foreach (var c in finals)
            {
                perCount[c[i]]++;
            }
            var differed = finals.Count - perCount.Max();
            weights[i] = Math.Log((finals.Count + 1.0) / (differed + 1.0));
        }
        var held = new Dictionary<string, CountProfile>(StringComparer.Ordinal);
        foreach (var c in finals)
        {
            var key = Convert.ToHexString(c);
            held[key] = held.TryGetValue(key, out var p) ? p with { Sessions = p.Sessions + 1 } : new CountProfile(c, 1);
        }
        var kept = held.Count > MaxProfiles ? [] : new List<CountProfile>(held.Values);
        // Most held first (ties by counts): a stable order, and the early exit in Nearest finds a small cost sooner.
        kept.Sort((a, b) => a.Sessions != b.Sessions ? b.Sessions.CompareTo(a.Sessions) : a.Counts.AsSpan().SequenceCompareTo(b.Counts));
        return new CountProfileTable(names, weights, kept);
    }
}

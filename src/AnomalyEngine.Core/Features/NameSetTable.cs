using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Core.Features;

/// <summary>How many training sessions held exactly one set of the common names.</summary>
/// <param name="Mask">The set: bit i is <see cref="NameSetTable.Names"/>[i].</param>
/// <param name="Passes">Sessions that held exactly this set after some event (a set is counted once per session).</param>
/// <param name="Finals">Sessions that ended with exactly this set.</param>
public readonly record struct NameSetCount(ulong Mask, long Passes, long Finals);

/// <summary>
/// Which combinations of the most common names training sessions held, so a session whose
/// combination of pages/actions never occurred together in training stands out even when every
/// name and every pair of names is familiar (HDFS: 11 name sets cover 5,471 normal blocks, the
/// anomalous ones hold 108). Names outside the table do not change a set: the rare-name features
/// judge those. Where nearly every session's set is new (a long tail of product pages), the
/// cross-fitted training tails learn that and the component stays quiet. Immutable.
/// </summary>
public sealed class NameSetTable
{
    /// <summary>Most names in the table: a set is one 64-bit mask.</summary>
    public const int MaxNames = 64;

    /// <summary>Beyond this many sets, training keeps only those held by two or more sessions.</summary>
    public const int MaxSets = 16_384;

    /// <summary>No names (baselines built without a table): every session holds the empty set.</summary>
    public static NameSetTable Empty { get; } = new([], []);

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, NameSetCount> _counts = [];

    /// <summary>Creates the table; throws ArgumentException on more than <see cref="MaxNames"/> names or a mask with bits beyond them.</summary>
    public NameSetTable(IReadOnlyList<string> names, IEnumerable<NameSetCount> counts)
    {
        if (names.Count > MaxNames)
        {
            throw new ArgumentException($"name-set table holds ≤ {MaxNames} names, got {names.Count}");
        }
        Names = [.. names];
        for (var i = 0; i < Names.Length; i++)
        {
            _index[Names[i]] = i;
        }
        var valid = Names.Length == MaxNames ? ulong.MaxValue : (1UL << Names.Length) - 1;
        foreach (var c in counts)
        {
            if ((c.Mask & ~valid) != 0)
            {
                throw new ArgumentException($"name set {c.Mask:x} has bits beyond the table's {Names.Length} names");
            }
            _counts[c.Mask] = c;
        }
    }

    /// <summary>The common names, bit order.</summary>
    public string[] Names { get; }

    /// <summary>The sets seen in training.</summary>
    public IEnumerable<NameSetCount> Counts => _counts.Values;

    /// <summary>Bit of a name, or −1 when it is not in the table.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>The session's set of common names. Allocation-free.</summary>
    public ulong MaskOf(SessionState s)
    {
        var mask = 0UL;
        foreach (var name in s.Names.Keys)
        {
            var i = IndexOf(name);
            if (i >= 0)
            {
                mask |= 1UL << i;
            }
        }
        return mask;
    }

    /// <summary>Training counts of a set (zeros when never seen).</summary>
    public NameSetCount CountOf(ulong mask) => _counts.TryGetValue(mask, out var c) ? c : new NameSetCount(mask, 0, 0);

    /// <summary>
    /// The training set closest to <paramref name="mask"/> (fewest names in one and not the other;
    /// ties: the one more sessions held), among those held after some event, or at the end when
    /// <paramref name="final"/>. Null when the table holds none. O(sets): for explanations only.
    /// </summary>
    public NameSetCount? Nearest(ulong mask, bool final)
    {
        NameSetCount? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in _counts.Values)
        {
            var held = final ? c.Finals : c.Passes;
            if (held == 0 || c.Mask == mask)
            {
                continue;
            }
            var distance = System.Numerics.BitOperations.PopCount(c.Mask ^ mask);
            var bestHeld = best is { } b ? (final ? b.Finals : b.Passes) : 0;
            if (distance < bestDistance || (distance == bestDistance && (held > bestHeld || (held == bestHeld && c.Mask < best!.Value.Mask))))
            {
                best = c;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>The names of a set, in bit order.</summary>
    public List<string> NamesOf(ulong mask)
    {
        var names = new List<string>();
        for (var i = 0; i < Names.Length; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                names.Add(Names[i]);
            }
        }
        return names;
    }
}

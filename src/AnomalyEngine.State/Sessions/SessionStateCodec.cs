using System.Buffers;
using System.Buffers.Binary;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// Reads the packed session state that <c>Scripts/apply_events.lua</c> writes (and it and
/// <c>read_session.lua</c> return) into a <see cref="SessionState"/>. This and the script are the
/// only places that know the layout, so a change of the stored shape is a change of both.
/// </summary>
/// <remarks>
/// <para>The value is the folded aggregates of the older events plus a tail of the newest events,
/// raw, which the script appends to without touching the aggregates and folds only when the tail
/// would pass <see cref="SessionLimits.TailCap"/>. The reader decodes the aggregates and replays
/// the tail on them through <see cref="SessionReducer.Fold"/>, the offline reducer's own fold, so
/// the state is the same as if every event had been folded, wherever the boundary lies.</para>
/// <para>Layout, version 6 (version 5 and the user history check), little-endian, the aggregates stored column by column (the script's
/// header comment is the reference). X is the name index width (byte, or ushort when flags &amp; 1),
/// L the width of the user id's length and of the name coding's lengths (byte, or ushort when
/// flags &amp; 2); in the aggregates W is the count width (aggregate flags &amp; 3: byte, ushort,
/// uint, double) and D the width of path durations (ushort, or uint when aggregate flags &amp; 8):</para>
/// <code>
/// B version, B flags (1 X wide | 2 L wide | 4 user id | 8 aggregates | 16 last ts is a d | 32 context | 64 user check), H event-id digests k
/// [H aggregates' bytes, when flagged], B tail rows r, [the last row's ts if r > 0: I4 low + H high, or d when flagged]
/// [L len, bytes] user id;  [H×3 ip, device, country digests, B×3 their changes] context;  [B novel bits, B earlier sessions] user check;  X m, m codings, the stored suffixes (the name table, shared by aggregates and tail: each
///   name as the first 'shared' bytes of an earlier name, its base, and a suffix). A coding: B c (0 no base;
///   16·back + shared, both 1-15; 1: the stored suffix starts with X base, L shared), L s (2·length of the suffix's
///   bytes, or 2n + 1 for n ASCII digits, 1 ≤ n ≤ 9, stored as their value in 1, 2, 3 or 4 little-endian bytes for
///   n ≤ 2, 4, 7, 9)
/// aggregates, when flagged:
///   B aggregate flags (1-2 W | 4 overflow transition | 8 D wide)
///   W×9 events, views, actions, failures, successes, out of order, fail streak, max fail streak, gaps
///   d×6 first ts, last ts, gap sum, gap sum², log-gap sum, log-gap sum²;  X first name, X last name
///   H names, (X name, W count, failures, attempts, durations) each, then each one's [d sum if durations ≥ 1][d sum² if ≥ 2]
///   H transitions, (X from, X to, W count) each, then each one's d sum [d sum² if count ≥ 2];  [W, d, [d]] '~other' bucket
///   B p path entries: B×p flags, X×p names, p × (i4 ts delta | d ts if flags &amp; 32 | H ts delta if flags &amp; 64),
///     durations (D | d if flags &amp; 16) of those with flags &amp; 8
/// r tail rows: B head (kind: 0 view, 1 action, 2 failed, 3 succeeded | 4 duration | 8 × name code: 0 the next name
///   the tail added, 1-30 index + 1, 31 X index follows), [X index], ts delta from the previous row (not in the
///   first row: H t &lt; 49152; else + B b, v = 256 (t − 49152) + b: 49152 + v, or i4 / d when v is 4194302 / 4194303),
///   [duration + 1 in base 128, low digits first, continuation bit 128; or 0 then a d]
/// k × 8-byte event-id digests (absent from the scripts' replies)
/// </code>
/// <para>A sum of squares left out equals the stored sum squared exactly (one term: 0 + x·x).</para>
/// <para>Runs once per session per batch on the live path, so it reads the bytes in place; the
/// only strings it makes are names and transition keys, which repeat across sessions and come
/// from <see cref="NameCache"/>.</para>
/// </remarks>
public static class SessionStateCodec
{
    /// <summary>The layout version this reader understands.</summary>
    public const byte Version = 6;

    /// <summary>Decodes a packed state; the trailing event-id digests may be present or not.</summary>
    /// <param name="sessionId">The session the state belongs to.</param>
    /// <param name="packed">The packed state.</param>
    /// <param name="limits">The caps the script applied, which replaying the tail applies too.</param>
    public static SessionState Decode(string sessionId, ReadOnlySpan<byte> packed, SessionLimits limits)
    {
        var r = new Reader(packed);
        if (r.Byte() != Version)
        {
            throw new FormatException("unknown session state version");
        }
        int flags = r.Byte();
        r.UInt16(); // event-id digests: only the script reads them
        int aggregateBytes = (flags & 8) != 0 ? r.UInt16() : 0;
        int tailRows = r.Byte();
        long lastTs = 0; // the last row's ts, from which the rows' deltas count back
        if (tailRows > 0)
        {
            lastTs = (flags & 16) != 0 ? (long)r.Double() : r.UInt32() + ((long)r.UInt16() << 32);
        }
        var wideIndex = (flags & 1) != 0;
        var wideLengths = (flags & 2) != 0;

        var s = new SessionState { SessionId = sessionId };
        if ((flags & 4) != 0)
        {
            s.UserId = NameCache.Get(r.Bytes(r.Index(wideLengths)));
        }
        if ((flags & 32) != 0)
        {
            ref var context = ref s.ContextTracks;
            for (var a = 0; a < SessionContext.Count; a++)
            {
                context[a].Digest = r.UInt16();
            }
            for (var a = 0; a < SessionContext.Count; a++)
            {
                context[a].Changes = r.Byte();
            }
        }
        if ((flags & 64) != 0)
        {
            var novel = r.Byte();
            s.UserCheck = new UserCheck(novel, r.Byte());
        }
        var table = new NameTable(ref r, wideIndex, wideLengths);
        // The fold adds a step before it drops the oldest, so a full path briefly holds one more.
        s.RecentPath.Capacity = Math.Min(limits.PathCap + 1, aggregateBytes > 0 ? int.MaxValue : tailRows);
        if (aggregateBytes > 0)
        {
            var end = r.Position + aggregateBytes;
            ReadAggregates(ref r, s, table, r.Byte(), wideIndex);
            if (r.Position != end)
            {
                throw Corrupt();
            }
        }
        ReplayTail(ref r, s, table, tailRows, lastTs, wideIndex, limits);
        return s;
    }

    private static void ReadAggregates(ref Reader r, SessionState s, NameTable table, int flags, bool wideIndex)
    {
        var w = flags & 3;
        s.Events = r.Count(w);
        s.Views = r.Count(w);
        s.Actions = r.Count(w);
        s.Failures = r.Count(w);
        s.Successes = r.Count(w);
        s.OutOfOrder = r.Count(w);
        s.FailStreak = r.Count(w);
        s.MaxFailStreak = r.Count(w);
        s.Gaps = r.Count(w);
        s.FirstTs = (long)r.Double();
        s.LastTs = (long)r.Double();
        s.GapSum = r.Double();
        s.GapSumSq = r.Double();
        s.LogGapSum = r.Double();
        s.LogGapSumSq = r.Double();
        s.FirstName = table.Get(r.Index(wideIndex));
        s.LastName = table.Get(r.Index(wideIndex));
        ReadNames(ref r, s, table, w, wideIndex);
        ReadTransitions(ref r, s, table, w, wideIndex, overflow: (flags & 4) != 0);
        ReadPath(ref r, s, table, wideIndex, wideDurations: (flags & 8) != 0);
    }

    private static void ReadNames(ref Reader r, SessionState s, NameTable table, int w, bool wideIndex)
    {
        int count = r.UInt16();
        s.Names.EnsureCapacity(count);
        // The fixed part of every entry, then the sums of those that have them.
        var entries = new NameStats[count];
        for (var i = 0; i < count; i++)
        {
            var n = entries[i] = new NameStats();
            s.Names[table.Get(r.Index(wideIndex))] = n;
            n.Count = r.Count(w);
            n.Failures = r.Count(w);
            n.Attempts = r.Count(w);
            n.Durations = r.Count(w);
        }
        foreach (var n in entries)
        {
            (n.LogDurationSum, n.LogDurationSumSq) = r.Moments(n.Durations);
        }
    }

    private static void ReadTransitions(ref Reader r, SessionState s, NameTable table, int w, bool wideIndex, bool overflow)
    {
        int count = r.UInt16();
        s.Transitions.EnsureCapacity(count + (overflow ? 1 : 0));
        var entries = new TransitionStats[count];
        for (var i = 0; i < count; i++)
        {
            var key = table.TransitionKey(r.Index(wideIndex), r.Index(wideIndex));
            var t = entries[i] = new TransitionStats { Count = r.Count(w) };
            s.Transitions[key] = t;
        }
        foreach (var t in entries)
        {
            (t.LogGapSum, t.LogGapSumSq) = r.Moments(t.Count);
        }
        if (overflow)
        {
            var t = new TransitionStats { Count = r.Count(w) };
            (t.LogGapSum, t.LogGapSumSq) = r.Moments(t.Count);
            s.Transitions[SessionState.OverflowKey] = t;
        }
    }

    private static void ReadPath(ref Reader r, SessionState s, NameTable table, bool wideIndex, bool wideDurations)
    {
        int count = r.Byte();
        // Columns: flags, names, timestamps, then the durations of the entries that have one.
        var flags = r.Bytes(count);
        Span<int> names = stackalloc int[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = r.Index(wideIndex);
        }
        Span<long> ts = stackalloc long[count];
        long previous = 0;
        for (var i = 0; i < count; i++)
        {
            previous = ts[i] = r.Ts(flags[i], previous);
        }
        for (var i = 0; i < count; i++)
        {
            int f = flags[i];
            long? duration = (f & 8) == 0 ? null
                : (f & 16) != 0 ? (long)r.Double()
                : wideDurations ? r.UInt32() : r.UInt16();
            s.RecentPath.Add(Step(f, ts[i], table.Get(names[i]), duration));
        }
    }

    // One delegate for every decode (a method group would make one per call).
    private static readonly Func<ReadOnlySpan<char>, string> NewTransitionKey = NameCache.Get;

    /// <summary>Counts the tail's raw events on the aggregates, oldest first, as the script would fold them.</summary>
    private static void ReplayTail(ref Reader r, SessionState s, NameTable table, int rows, long lastTs, bool wideIndex, SessionLimits limits)
    {
        if (rows == 0)
        {
            return;
        }
        // The rows are read whole first: the first row's ts is the last row's less the deltas
        // between, and a row of name code 0 names the next of the names the tail added, which are
        // the table's last.
        Span<int> heads = stackalloc int[rows];
        Span<int> names = stackalloc int[rows];
        Span<long> ts = stackalloc long[rows];
        Span<long> durations = stackalloc long[rows];
        var added = 0;
        for (var i = 0; i < rows; i++)
        {
            int h = heads[i] = r.Byte();
            names[i] = (h >> 3) switch
            {
                0 => -++added,
                31 => r.Index(wideIndex),
                var code => code - 1,
            };
            ts[i] = i == 0 ? 0 : r.TsDelta();
            durations[i] = (h & 4) != 0 ? r.Duration() : 0;
        }
        for (var i = rows - 1; i >= 0; i--)
        {
            var delta = ts[i];
            ts[i] = lastTs;
            lastTs -= delta;
        }
        // At most every tracked name and one new transition per row.
        s.Names.EnsureCapacity(Math.Min(table.Count, limits.NameCap + 1));
        s.Transitions.EnsureCapacity(Math.Min(s.Transitions.Count + rows, limits.TransitionCap + 1));
        for (var i = 0; i < rows; i++)
        {
            var index = names[i] < 0 ? table.Count - added - names[i] - 1 : names[i];
            if ((uint)index >= (uint)table.Count)
            {
                throw Corrupt();
            }
            int h = heads[i];
            var step = new PathStep(ts[i], (h & 3) == 0 ? EventKind.View : EventKind.Action, table.Get(index),
                (h & 3) < 2 ? null : (h & 3) == 3, (h & 4) != 0 ? durations[i] : null);
            SessionReducer.Fold(s, step, limits, NewTransitionKey);
        }
    }

    private static FormatException Corrupt() => new("corrupt session state value");

    /// <summary>
    /// A path entry as a step: its flags' bits 1 (action), 2 (success known) and 4 (succeeded); ts
    /// and duration are already read, each as its own encoding says. (A tail row's head codes the
    /// same three as a kind from 0 to 3; see ReplayTail.)
    /// </summary>
    private static PathStep Step(int flags, long ts, string name, long? duration) =>
        new(ts, (flags & 1) != 0 ? EventKind.Action : EventKind.View, name, (flags & 2) == 0 ? null : (flags & 4) != 0, duration);

    /// <summary>The per-session name table, its names resolved to shared strings.</summary>
    private readonly struct NameTable
    {
        private readonly string[] _names;

        public NameTable(ref Reader r, bool wideIndex, bool wideLengths)
        {
            // m, the codings (1 + L bytes each), then the stored suffixes (for base code 1 preceded
            // by the base and the shared length). The names' bytes are rebuilt one after the other
            // in one pooled buffer, grown when a name does not fit, from which a later name copies
            // the prefix it shares with its base (an earlier name).
            int m = r.Index(wideIndex);
            var coding = new Reader(r.Bytes(m * (wideLengths ? 3 : 2)));
            _names = new string[m];
            var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(256, 16 * m));
            var starts = ArrayPool<int>.Shared.Rent(m + 1);
            try
            {
                starts[0] = 0;
                for (var i = 0; i < m; i++)
                {
                    int c = coding.Byte(), s = coding.Index(wideLengths), baseIndex = -1, shared = 0;
                    if (c >= 16)
                    {
                        (baseIndex, shared) = (i - (c >> 4), c & 15);
                    }
                    else if (c == 1)
                    {
                        baseIndex = r.Index(wideIndex);
                        shared = r.Index(wideLengths);
                    }
                    else if (c != 0)
                    {
                        throw Corrupt();
                    }
                    var length = s >> 1;
                    if ((s & 1) != 0 && length is < 1 or > 9)
                    {
                        throw Corrupt();
                    }
                    if (starts[i] + shared + length > bytes.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(2 * (starts[i] + shared + length));
                        bytes.AsSpan(0, starts[i]).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(bytes);
                        bytes = larger;
                    }
                    var name = bytes.AsSpan(starts[i], shared + length);
                    if (shared > 0)
                    {
                        if (baseIndex < 0 || baseIndex >= i || shared > starts[baseIndex + 1] - starts[baseIndex])
                        {
                            throw Corrupt();
                        }
                        bytes.AsSpan(starts[baseIndex], shared).CopyTo(name);
                    }
                    if ((s & 1) == 0)
                    {
                        r.Bytes(length).CopyTo(name[shared..]);
                    }
                    else
                    {
                        // length ASCII digits, stored as their value.
                        var stored = r.Bytes(DigitBytes(length));
                        uint value = 0;
                        for (var k = stored.Length - 1; k >= 0; k--)
                        {
                            value = (value << 8) | stored[k];
                        }
                        var digits = name[shared..];
                        for (var k = length - 1; k >= 0; k--)
                        {
                            digits[k] = (byte)('0' + value % 10);
                            value /= 10;
                        }
                        if (value != 0)
                        {
                            throw Corrupt();
                        }
                    }
                    _names[i] = NameCache.Get(name);
                    starts[i + 1] = starts[i] + name.Length;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
                ArrayPool<int>.Shared.Return(starts);
            }
        }

        /// <summary>Bytes of a name suffix of <paramref name="digits"/> ASCII digits (1 to 9), stored as their value.</summary>
        private static int DigitBytes(int digits) => digits <= 2 ? 1 : digits <= 4 ? 2 : digits <= 7 ? 3 : 4;

        /// <summary>Names in the table.</summary>
        public int Count => _names.Length;

        public string Get(int index) => _names[index];

        /// <summary><c>from + '\t' + to</c>, interned like a name.</summary>
        public string TransitionKey(int from, int to)
        {
            var a = _names[from];
            var b = _names[to];
            var length = a.Length + 1 + b.Length;
            if (length > NameCache.MaxBytes)
            {
                return SessionState.TransitionKey(a, b);
            }
            return NameCache.Get(SessionState.WriteTransitionKey(stackalloc char[NameCache.MaxBytes], a, b));
        }
    }

    /// <summary>A cursor over the packed bytes; reading past the end is a corrupt value.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public ReadOnlySpan<byte> Bytes(int length)
        {
            if ((uint)length > (uint)(_data.Length - Position))
            {
                throw Corrupt();
            }
            var bytes = _data.Slice(Position, length);
            Position += length;
            return bytes;
        }

        public byte Byte() => Bytes(1)[0];

        public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8));

        /// <summary>A name index or a string length: one byte, or two when <paramref name="wide"/>.</summary>
        public int Index(bool wide) => wide ? UInt16() : Byte();

        public long Count(int width) => width switch
        {
            0 => Byte(),
            1 => UInt16(),
            2 => UInt32(),
            _ => (long)Double(),
        };

        /// <summary>
        /// A path entry's ts, stored as its flags' bits 32-64 say: an i4 delta from
        /// <paramref name="previous"/>, an absolute double (32), or a ushort delta (64).
        /// </summary>
        public long Ts(int flags, long previous) => ((flags >> 5) & 3) switch
        {
            0 => previous + Int32(),
            1 => (long)Double(),
            2 => previous + UInt16(),
            _ => throw Corrupt(),
        };

        /// <summary>
        /// A tail row's ts delta: a ushort t below 49152; else one more byte b, v = 256 (t − 49152) + b,
        /// the delta 49152 + v, or an int (v = 4194302) or a double (v = 4194303) following.
        /// </summary>
        public long TsDelta()
        {
            int t = UInt16();
            if (t < 49152)
            {
                return t;
            }
            var v = ((t - 49152) << 8) | Byte();
            return v switch
            {
                < 4194302 => 49152 + v,
                4194302 => Int32(),
                _ => (long)Double(),
            };
        }

        /// <summary>A tail row's duration: duration + 1 in base 128, low digits first (continuation bit 128), or 0 and a double.</summary>
        public long Duration()
        {
            long u = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (shift > 49)
                {
                    throw Corrupt();
                }
                int b = Byte();
                u |= (long)(b & 127) << shift;
                if (b < 128)
                {
                    break;
                }
            }
            return u == 0 ? (long)Double() : u - 1;
        }

        /// <summary>A sum and sum of squares over <paramref name="terms"/> terms, stored as the script leaves them out.</summary>
        public (double Sum, double SumSq) Moments(long terms)
        {
            if (terms == 0)
            {
                return (0, 0);
            }
            var sum = Double();
            return (sum, terms == 1 ? sum * sum : Double());
        }
    }
}

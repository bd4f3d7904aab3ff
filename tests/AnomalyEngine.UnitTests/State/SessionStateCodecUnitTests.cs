using System.Globalization;
using System.Text;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.State.Sessions;

namespace AnomalyEngine.UnitTests.State;

/// <summary>
/// Decodes packed states written byte by byte after the layout apply_events.lua documents, so a
/// change on either side that the other does not follow fails here, not only in the parity tests.
/// </summary>
public sealed class SessionStateCodecUnitTests
{
    private const long T0 = 1_764_278_400_123;

    private static readonly SessionLimits Limits = SessionLimits.Default;

    [Fact]
    public void Decodes_the_narrow_layout_with_every_optional_part()
    {
        var w = new Packed();
        var aggregates = NarrowAggregates();
        w.B(6).B(4 | 8 | 32 | 64).H(2);                           // indexes and lengths bytes, user id, aggregates, context, user check, 2 digests
        w.H((ushort)aggregates.Length).B(0);                      // no tail
        w.B(3).Raw("u-1"u8.ToArray());
        w.H(0xBEEF).H(0).H(7).B(2).B(0).B(255);                   // context: ip, device (not seen), country digests; their changes
        w.B(1 | 4).B(12);                                         // user check: network and country new, 12 earlier sessions
        w.Names(wideIndex: false, "/home", "login", "/cart");
        w.Raw(aggregates);
        w.Raw(new byte[16]);                                      // event-id digests, not part of the state

        var s = SessionStateCodec.Decode("s1", w.Bytes(), Limits);

        Assert.Equal("s1", s.SessionId);
        Assert.Equal((6L, 4L, 2L, 1L, 1L, 1L), (s.Events, s.Views, s.Actions, s.Failures, s.Successes, s.OutOfOrder));
        Assert.Equal((1L, 1L, 3L), (s.FailStreak, s.MaxFailStreak, s.Gaps));
        Assert.Equal((T0, T0 + 5000, "/home", "login", "u-1"), (s.FirstTs, s.LastTs, s.FirstName, s.LastName, s.UserId));
        Assert.Equal((5000.0, 12_500_000.0, 8.5, 24.25), (s.GapSum, s.GapSumSq, s.LogGapSum, s.LogGapSumSq));

        Assert.Equal((3L, 0L, 0L, 2L, 7.0, 49.5), Stats(s.Names["/home"]));
        Assert.Equal((2L, 1L, 2L, 1L, 3.0, 9.0), Stats(s.Names["login"]));
        Assert.Equal((1L, 0L, 0L, 0L, 0.0, 0.0), Stats(s.Names["/cart"]));
        Assert.Equal(3, s.Transitions.Count);
        Assert.Equal((1L, 2.0, 4.0), Stats(s.Transitions[SessionState.TransitionKey("/home", "login")]));
        Assert.Equal((2L, 4.0, 8.5), Stats(s.Transitions[SessionState.TransitionKey("login", "/home")]));
        Assert.Equal((1L, 1.5, 2.25), Stats(s.Transitions[SessionState.OverflowKey]));
        Assert.Equal(NarrowPath, s.RecentPath);
        Assert.Equal((0xBEEF, 2), (s.Context(ContextAttribute.Ip).Digest, s.Context(ContextAttribute.Ip).Changes));
        Assert.Equal((0, 0), (s.Context(ContextAttribute.Device).Digest, s.Context(ContextAttribute.Device).Changes));
        Assert.Equal((7, 255), (s.Context(ContextAttribute.Country).Digest, s.Context(ContextAttribute.Country).Changes));
        Assert.Equal(new UserCheck(1 | 4, 12), s.UserCheck);
        Assert.True(s.UserCheck!.Value.IsNovel(ContextAttribute.Ip) && !s.UserCheck.Value.IsNovel(ContextAttribute.Device));
    }

    [Fact]
    public void Replays_the_tail_on_the_aggregates_as_the_reducer_folds_it()
    {
        var aggregates = NarrowAggregates();
        var w = new Packed();
        w.B(6).B(4 | 8).H(0).H((ushort)aggregates.Length).B(3).Stamp(T0 + 4000); // 3 tail rows, the last at T0 + 4000
        w.B(3).Raw("u-1"u8.ToArray());
        w.Names(wideIndex: false, "/home", "login", "/cart", "/new");  // "/new" only in the tail
        w.Raw(aggregates);
        w.B(3 + 4 + 8 * 2).B(101);                                // login (index 1) succeeded, no ts (the first row), duration 100
        w.B(0 + 4 + 8 * 0).H(1000).B(241).B(162).B(4);            // /new (the name the tail added), +1000, duration 70000 (70001 in base 128)
        w.B(2 + 4 + 8 * 1).B(255).B(255).B(254).I(-3000);         // /home failed, an i4 delta back in time,
        w.B(0).D(5_000_000_000);                                  // a d duration

        var s = SessionStateCodec.Decode("s1", w.Bytes(), Limits);

        // The same as folding the three events on the aggregates alone.
        var expected = SessionStateCodec.Decode("s1", NarrowValueWithoutTail(aggregates), Limits);
        PathStep[] tail =
        [
            new(T0 + 6000, EventKind.Action, "login", true, 100),
            new(T0 + 7000, EventKind.View, "/new", null, 70_000),
            new(T0 + 4000, EventKind.Action, "/home", false, 5_000_000_000),
        ];
        foreach (var e in tail)
        {
            SessionReducer.Fold(expected, e, Limits);
        }
        Assert.Equal(Describe(expected), Describe(s));
        Assert.Equal((9L, 2L, 2L), (s.Events, s.OutOfOrder, s.Failures));
        Assert.Equal((T0 + 7000, "/new"), (s.LastTs, s.LastName));
        Assert.Equal([.. NarrowPath, .. tail], s.RecentPath);
    }

    [Fact]
    public void Decodes_a_tail_alone_with_wide_indexes_and_keeps_the_last_path_cap_steps()
    {
        // Only a tail (nothing folded yet), name indexes as ushorts, more rows than the path keeps.
        var events = new List<SessionEvent>();
        var names = new[] { "/a", "/b", "buy" };
        var w = new Packed();
        long ts = T0;
        for (var i = 0; i < 20; i++)
        {
            var action = i % 3 == 2;
            // Durations of 1, 2, 3 and 5 base-128 digits (0 + 1 takes one).
            long? duration = i switch { 0 => 0, 4 => 126, 8 => 127, 12 => 16_382, 16 => 5_000_000_000, _ when i % 5 == 0 => 1000 * i, _ => null };
            int head = (action ? 2 : 0) | (duration is null ? 0 : 4);
            // Name codes: /a and /b by index + 1, buy by a ushort index after code 31.
            _ = i % 3 == 2 ? w.B((byte)(head | 8 * 31)).H(2) : w.B((byte)(head | 8 * (i % 3 + 1)));
            if (i > 0)
            {
                // Deltas of every width: 2 and 3 bytes, an i4 back in time, a d beyond an i4.
                long delta = i switch { 7 => -250, 9 => 49_152, 11 => 4_243_453, 13 => 3_000_000_000, _ => 1500 };
                ts += delta;
                w.TsDelta(delta);
            }
            if (duration is { } d)
            {
                w.Duration(d);
            }
            events.Add(new SessionEvent("s3", ts, action ? EventKind.Action : EventKind.View, names[i % 3], action ? false : null, duration, null, null));
        }

        var value = new Packed();
        value.B(6).B(1).H(0).B(20).Stamp(ts);                     // wide indexes, no aggregates, 20 rows
        value.Names(wideIndex: true, names).Raw(w.Bytes());

        var s = SessionStateCodec.Decode("s3", value.Bytes(), Limits);

        var expected = SessionReplayerOf(events);
        Assert.Equal(Describe(expected), Describe(s));
        Assert.Equal(Limits.PathCap, s.RecentPath.Count);
        Assert.Equal(events[^1].Ts, s.RecentPath[^1].Ts);
    }

    [Fact]
    public void Rebuilds_each_name_from_the_prefix_it_shares_with_its_base()
    {
        // A tail alone whose rows name every table entry once, in order.
        string[] names =
        [
            "/product/48213",
            "/catalog/shoes",
            "/product/48214",     // all but the last byte of an earlier name, not the one before
            "/product/",          // a prefix of its base: no suffix
            "/catalog/shoes/red", // the whole of its base, then more
            "login",
            "/é",
            "/è",                 // half of a two-byte character from its base
            "/èè",
            "/product/5",
            "/catalog/shoes/red42",
            "/product/0042",
            "/product/123456789",
            "/product/123456x9",
        ];
        var w = new Packed();
        w.B(6).B(0).H(0).B((byte)names.Length).Stamp(T0);
        w.B((byte)names.Length);                                  // per name: B base code (16 back + shared, 0: none,
                                                                  // 1: base and shared start the suffix), B suffix code
        w.B(0).B(2 * 14).B(0).B(2 * 14);                          // raw suffixes: 2 × length
        w.B(16 * 2 + 13).B(2 * 1 + 1);                            // 13 bytes of the name 2 back, then 1 digit
        w.B(16 * 1 + 9).B(0);                                     // 9 bytes of the name before, no suffix
        w.B(16 * 3 + 14).B(2 * 4);
        w.B(0).B(2 * 5).B(0).B(2 * 3).B(16 * 1 + 2).B(2 * 1).B(16 * 1 + 3).B(2 * 2);
        w.B(16 * 6 + 9).B(2 * 1 + 1);                             // "/product/" + 1 digit
        w.B(1).B(2 * 2 + 1);                                      // base and shared bytes before the suffix, 2 digits
        w.B(16 * 2 + 9).B(2 * 4 + 1);                             // leading zeros kept: 4 digits
        w.B(16 * 1 + 9).B(2 * 9 + 1);                             // 9 digits, the most a value takes
        w.B(16 * 1 + 18 - 3).B(2 * 2);                            // 15 bytes shared ("/product/123456"), 2 raw bytes
        w.Raw(Encoding.UTF8.GetBytes("/product/48213" + "/catalog/shoes")).B(4);
        w.Raw(Encoding.UTF8.GetBytes("/red" + "login" + "/é")).Raw([0xA8]).Raw(Encoding.UTF8.GetBytes("è")); // "/è" is "/é" with its last byte A9 → A8
        w.B(5).B(4).B(18).B(42).H(42).I(123_456_789).Raw("x9"u8.ToArray()); // base 4, 18 shared bytes (beyond 15), then 42
        for (var i = 0; i < names.Length; i++)
        {
            w.B((byte)(8 * (i + 1)));                             // a view of name i, at T0
            if (i > 0)
            {
                w.H(0);
            }
        }

        var s = SessionStateCodec.Decode("s", w.Bytes(), Limits);

        Assert.Equal(names, s.RecentPath.Select(p => p.Name));
    }

    [Fact]
    public void Rejects_an_unknown_version_and_a_corrupt_value()
    {
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [1, 0, 0, 0, 0, 0, 0, 0], Limits));
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [2, 0, 0, 0, 0, 0, 0, 0, 0, 0], Limits));
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [3, 0, 0, 0, 0, 0, 0, 0, 0, 0], Limits));
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [4, 0, 0, 0, 0, 0, 0], Limits)); // version 4: no context
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [5, 0, 0, 0, 0, 0, 0], Limits)); // version 5: no user check
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [6, 0, 0, 0, 1, 0, 0], Limits));
        // The second name would share more bytes than its base has, or have itself as its base.
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [6, 0, 0, 0, 0, 2, 0, 2, 16 + 2, 0, (byte)'a'], Limits));
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [6, 0, 0, 0, 0, 2, 0, 2, 1, 0, (byte)'a', 1, 1], Limits));
        // A digit suffix whose value has more digits than it says, an unknown base code.
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [6, 0, 0, 0, 0, 1, 0, 3, 10], Limits));
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [6, 0, 0, 0, 0, 1, 2, 0], Limits));
        // Two rows of name code 0 (each adding a name) for a table of one name.
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [6, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 0, 2, (byte)'a', 0, 0, 0, 0], Limits));
    }

    /// <summary>The aggregates of a six-event session: byte counts, indexes into "/home", "login", "/cart".</summary>
    private static byte[] NarrowAggregates()
    {
        var w = new Packed();
        w.B(4);                                                   // aggregate flags: byte counts, overflow bucket, ushort durations
        foreach (var c in new byte[] { 6, 4, 2, 1, 1, 1, 1, 1, 3 })
        {
            w.B(c);                                               // events .. gaps
        }
        w.D(T0).D(T0 + 5000).D(5000).D(12_500_000).D(8.5).D(24.25);
        w.B(0).B(1);                                              // first /home, last login
        w.H(3);
        w.B(0).B(3).B(0).B(0).B(2);                               // /home: two durations
        w.B(1).B(2).B(1).B(2).B(1);                               // login: one duration
        w.B(2).B(1).B(0).B(0).B(0);                               // /cart: none
        w.D(7.0).D(49.5).D(3.0);                                  // their sums: login's sum² = sum·sum, /cart has none
        w.H(2);
        w.B(0).B(1).B(1);                                         // /home → login once
        w.B(1).B(0).B(2);                                         // login → /home twice
        w.D(2.0).D(4.0).D(8.5);                                   // their sums: once has no sum²
        w.B(1).D(1.5);                                            // the '~other' bucket, once
        w.B(4);
        w.B(32 | 8).B(64 | 1 | 2 | 4).B(1 | 2).B(8 | 16);         // flags: view with duration and absolute ts, login
                                                                  // succeeded (short delta), login failed, view with a d duration
        w.B(0).B(1).B(1).B(2);                                    // names
        w.D(T0).H(2000).I(-500).I(3500);                          // ts: absolute, then deltas (one backwards)
        w.H(1200).D(5_000_000_000);                               // durations of entries 1 and 4
        return w.Bytes();
    }

    private static byte[] NarrowValueWithoutTail(byte[] aggregates)
    {
        var w = new Packed();
        w.B(6).B(4 | 8).H(0).H((ushort)aggregates.Length).B(0);
        w.B(3).Raw("u-1"u8.ToArray());
        w.Names(wideIndex: false, "/home", "login", "/cart");
        return w.Raw(aggregates).Bytes();
    }

    private static readonly PathStep[] NarrowPath =
    [
        new(T0, EventKind.View, "/home", null, 1200),
        new(T0 + 2000, EventKind.Action, "login", true, null),
        new(T0 + 1500, EventKind.Action, "login", false, null),
        new(T0 + 5000, EventKind.View, "/cart", null, 5_000_000_000),
    ];

    private static SessionState SessionReplayerOf(List<SessionEvent> events)
    {
        var reducer = new SessionReducer(Limits);
        var s = new SessionState { SessionId = "s3" };
        foreach (var e in events)
        {
            reducer.Apply(s, e);
        }
        return s;
    }

    /// <summary>Every field of a state as text, doubles to the bit, names and transitions in order.</summary>
    private static string Describe(SessionState s)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"{s.SessionId} {s.UserId} {s.Events} {s.Views} {s.Actions} {s.Failures} {s.Successes} {s.OutOfOrder} ");
        b.Append(CultureInfo.InvariantCulture, $"{s.FirstTs} {s.LastTs} {s.FirstName} {s.LastName} {s.FailStreak} {s.MaxFailStreak} {s.Gaps} ");
        b.Append(CultureInfo.InvariantCulture, $"{s.GapSum:R} {s.GapSumSq:R} {s.LogGapSum:R} {s.LogGapSumSq:R}\n");
        foreach (var (name, n) in s.Names.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            b.Append(CultureInfo.InvariantCulture, $"{name} {Stats(n)}\n");
        }
        foreach (var (key, t) in s.Transitions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            b.Append(CultureInfo.InvariantCulture, $"{key} {Stats(t)}\n");
        }
        b.AppendJoin('\n', s.RecentPath);
        return b.ToString();
    }

    private static (long, long, long, long, double, double) Stats(NameStats n) =>
        (n.Count, n.Failures, n.Attempts, n.Durations, n.LogDurationSum, n.LogDurationSumSq);

    private static (long, double, double) Stats(TransitionStats t) => (t.Count, t.LogGapSum, t.LogGapSumSq);

    /// <summary>Writes the layout's little-endian fields in the order given.</summary>
    private sealed class Packed
    {
        private readonly MemoryStream _bytes = new();
        private readonly BinaryWriter _w;

        public Packed() => _w = new BinaryWriter(_bytes);

        public Packed B(byte v) { _w.Write(v); return this; }
        public Packed H(ushort v) { _w.Write(v); return this; }
        public Packed I(int v) { _w.Write(v); return this; }
        public Packed D(double v) { _w.Write(v); return this; }
        public Packed Raw(byte[] v) { _w.Write(v); return this; }

        /// <summary>The last row's ts in the header: I4 low, H high.</summary>
        public Packed Stamp(long ts) => I((int)(uint)ts).H((ushort)(ts >> 32));

        /// <summary>A tail row's ts delta: H below 49152, 3 bytes below 4243454, else an i4 or d escape.</summary>
        public Packed TsDelta(long d)
        {
            if (d is >= 0 and < 49152)
            {
                return H((ushort)d);
            }
            if (d is >= 49152 and < 49152 + 4194302)
            {
                var v = d - 49152;
                return H((ushort)(49152 + (v >> 8))).B((byte)(v & 255));
            }
            return d is >= int.MinValue and <= int.MaxValue ? B(255).B(255).B(254).I((int)d) : B(255).B(255).B(255).D(d);
        }

        /// <summary>A tail row's duration: duration + 1 in base 128, low digits first.</summary>
        public Packed Duration(long d)
        {
            for (var u = d + 1; ; u >>= 7)
            {
                if (u < 128)
                {
                    return B((byte)u);
                }
                B((byte)(u % 128 + 128));
            }
        }

        /// <summary>
        /// The name table: count (byte, or ushort when wide), then per name its coding: here base
        /// code 1 and 2 × the length of its suffix, raw. Then per name its stored suffix: the base
        /// (byte or ushort; the name before it), the length of the prefix it shares with the base,
        /// the suffix's bytes.
        /// </summary>
        public Packed Names(bool wideIndex, params string[] names)
        {
            _ = wideIndex ? H((ushort)names.Length) : B((byte)names.Length);
            var bytes = Array.ConvertAll(names, Encoding.UTF8.GetBytes);
            var shared = new int[names.Length];
            for (var i = 0; i < names.Length; i++)
            {
                shared[i] = i == 0 ? 0 : bytes[i].AsSpan().CommonPrefixLength(bytes[Math.Max(i - 1, 0)]);
                B(1).B((byte)(2 * (bytes[i].Length - shared[i])));
            }
            for (var i = 0; i < names.Length; i++)
            {
                var previous = Math.Max(i - 1, 0);
                _ = wideIndex ? H((ushort)previous) : B((byte)previous);
                B((byte)shared[i]).Raw(bytes[i][shared[i]..]);
            }
            return this;
        }

        public byte[] Bytes()
        {
            _w.Flush();
            return _bytes.ToArray();
        }
    }
}

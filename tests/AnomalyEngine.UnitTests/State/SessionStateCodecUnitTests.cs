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

    [Fact]
    public void Decodes_the_narrow_layout_with_every_optional_part()
    {
        var w = new Packed();
        w.B(1).B(8 | 16).H(2);                                    // byte counts, indexes and lengths, ushort durations,
                                                                  // user id, overflow bucket, 2 digests
        foreach (var c in new byte[] { 6, 4, 2, 1, 1, 1, 1, 1, 3 })
        {
            w.B(c);                                               // events .. gaps
        }
        w.D(T0).D(T0 + 5000).D(5000).D(12_500_000).D(8.5).D(24.25);
        w.B(0).B(1);                                              // first /home, last login
        w.B(3).Raw("u-1"u8.ToArray());
        w.Names(wide: false, "/home", "login", "/cart");
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
        w.Raw(new byte[16]);                                      // event-id digests, not part of the state

        var s = SessionStateCodec.Decode("s1", w.Bytes());

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

        Assert.Equal(
            new[]
            {
                new PathStep(T0, EventKind.View, "/home", null, 1200),
                new PathStep(T0 + 2000, EventKind.Action, "login", true, null),
                new PathStep(T0 + 1500, EventKind.Action, "login", false, null),
                new PathStep(T0 + 5000, EventKind.View, "/cart", null, 5_000_000_000),
            },
            s.RecentPath);
    }

    [Fact]
    public void Decodes_wide_counts_and_indexes()
    {
        var w = new Packed();
        w.B(1).B(1 | 4 | 32 | 64).H(0);                           // ushort counts, indexes and lengths, uint durations, no user id
        foreach (var c in new ushort[] { 300, 300, 0, 0, 0, 0, 0, 0, 299 })
        {
            w.H(c);
        }
        w.D(T0).D(T0 + 299).D(299).D(299).D(1).D(1);
        w.H(0).H(0);
        w.Names(wide: true, "/a");
        w.H(1).H(0).H(300).H(0).H(0).H(0);
        w.H(1).H(0).H(0).H(299).D(2.0).D(3.0);
        w.B(1).B(32 | 8).H(0).D(T0 + 299).I(70_000);

        var s = SessionStateCodec.Decode("s2", w.Bytes());

        Assert.Equal((300L, 300L, 299L), (s.Events, s.Views, s.Gaps));
        Assert.Null(s.UserId);
        Assert.Equal((300L, 0L, 0L, 0L, 0.0, 0.0), Stats(s.Names["/a"]));
        Assert.Equal((299L, 2.0, 3.0), Stats(s.Transitions[SessionState.TransitionKey("/a", "/a")]));
        Assert.Equal(new[] { new PathStep(T0 + 299, EventKind.View, "/a", null, 70_000) }, s.RecentPath);
    }

    [Fact]
    public void Rejects_an_unknown_version_and_a_truncated_value()
    {
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [2, 0, 0, 0]));
        Assert.Throws<FormatException>(() => SessionStateCodec.Decode("s", [1, 0, 0, 0, 1, 1]));
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

        /// <summary>The name table: count, lengths (bytes, or ushorts when wide), then the names' bytes.</summary>
        public Packed Names(bool wide, params string[] names)
        {
            H((ushort)names.Length);
            var bytes = Array.ConvertAll(names, Encoding.UTF8.GetBytes);
            foreach (var b in bytes)
            {
                _ = wide ? H((ushort)b.Length) : B((byte)b.Length);
            }
            foreach (var b in bytes)
            {
                Raw(b);
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

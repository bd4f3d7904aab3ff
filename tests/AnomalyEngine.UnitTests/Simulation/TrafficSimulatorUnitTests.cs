using AnomalyEngine.Core.Events;
using AnomalyEngine.Simulation;

namespace AnomalyEngine.UnitTests.Simulation;

public sealed class TrafficSimulatorUnitTests
{
    private static byte[] Render(SimulationOptions options)
    {
        using var stream = new MemoryStream();
        using (var writer = new EventFileWriter(stream, leaveOpen: true))
        {
            foreach (var s in new TrafficSimulator(options).Generate())
            {
                writer.WriteAll(s.Events);
            }
        }
        return stream.ToArray();
    }

    [Fact]
    public void Same_seed_gives_byte_identical_output()
    {
        var options = new SimulationOptions { Seed = 1234, Sessions = 500, AttackRate = 0.1 };
        var first = Render(options);
        var second = Render(options);
        Assert.True(first.Length > 10_000);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_seed_gives_different_sessions()
    {
        var a = new TrafficSimulator(new SimulationOptions { Seed = 1, Sessions = 200 }).Generate().ToList();
        var b = new TrafficSimulator(new SimulationOptions { Seed = 2, Sessions = 200 }).Generate().ToList();
        Assert.Empty(a.Select(s => s.SessionId).Intersect(b.Select(s => s.SessionId)));
        var pathsA = a.Select(s => string.Join(">", s.Events.Select(e => e.Name))).ToHashSet();
        var pathsB = b.Select(s => string.Join(">", s.Events.Select(e => e.Name))).ToHashSet();
        // Bounces (a single "/" view) repeat by chance; whole multi-page paths should not.
        Assert.True(pathsA.Intersect(pathsB).Count() < 40, $"{pathsA.Intersect(pathsB).Count()} identical paths");
        Assert.NotEqual(a.Select(s => s.StartTs), b.Select(s => s.StartTs));
    }

    [Fact]
    public void Different_seeds_have_different_users()
    {
        // Two seeds replayed into one server must not share users' histories (seed 12's user 31 + i
        // was seed 13's user i once).
        static HashSet<string> Users(long seed) => new TrafficSimulator(new SimulationOptions { Seed = seed, Sessions = 2000, Users = 100 })
            .Generate().SelectMany(s => s.Events).Select(e => e.UserId).OfType<string>().ToHashSet();
        var twelve = Users(12);
        Assert.True(twelve.Count > 50);
        Assert.Empty(twelve.Intersect(Users(13)));
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.2)]
    public void Attack_rate_is_honoured(double rate)
    {
        var sessions = new TrafficSimulator(new SimulationOptions { Seed = 5, Sessions = 5000, AttackRate = rate }).Generate().ToList();
        var attacks = sessions.Count(s => s.Label == 1);
        Assert.InRange(attacks, (int)(5000 * rate * 0.9), (int)(5000 * rate * 1.1) + 1);
        Assert.All(sessions, s => Assert.Equal(s.Label == 1, s.Class != AttackClasses.Normal));
    }

    [Fact]
    public void Attacks_are_spread_over_the_enabled_types_and_subtle_share()
    {
        var sessions = new TrafficSimulator(new SimulationOptions { Seed = 9, Sessions = 4000, AttackRate = 0.25, SubtleShare = 0.3 })
            .Generate().Where(s => s.Label == 1).ToList();
        foreach (var type in AttackClasses.All)
        {
            Assert.Contains(sessions, s => s.Class == AttackClasses.Name(type));
            Assert.Contains(sessions, s => s.Class == AttackClasses.Name(type, subtle: true));
        }
        var subtleShare = sessions.Count(s => s.Class.EndsWith(AttackClasses.SubtleSuffix, StringComparison.Ordinal)) / (double)sessions.Count;
        Assert.InRange(subtleShare, 0.22, 0.38);
    }

    [Fact]
    public void Only_the_chosen_attacks_are_injected()
    {
        var sessions = new TrafficSimulator(new SimulationOptions
        {
            Seed = 3,
            Sessions = 1000,
            AttackRate = 0.1,
            Attacks = [new AttackSpec(AttackType.Scraper), new AttackSpec(AttackType.CardTesting)],
        }).Generate().Where(s => s.Label == 1).ToList();
        Assert.NotEmpty(sessions);
        Assert.All(sessions, s => Assert.True(s.Class.StartsWith("scraper", StringComparison.Ordinal) || s.Class.StartsWith("card_testing", StringComparison.Ordinal), s.Class));
    }

    [Fact]
    public void Events_are_ordered_by_ts_within_each_session_and_sessions_by_start()
    {
        var sessions = new TrafficSimulator(new SimulationOptions { Seed = 21, Sessions = 3000, AttackRate = 0.1 }).Generate().ToList();
        long previousStart = long.MinValue;
        foreach (var s in sessions)
        {
            Assert.NotEmpty(s.Events);
            Assert.True(s.StartTs >= previousStart);
            previousStart = s.StartTs;
            for (var i = 1; i < s.Events.Count; i++)
            {
                Assert.True(s.Events[i].Ts > s.Events[i - 1].Ts, $"{s.SessionId} ({s.Class}) event {i} goes back in time");
            }
            Assert.All(s.Events, e => Assert.Equal(s.SessionId, e.SessionId));
        }
    }

    [Fact]
    public void Every_event_passes_the_engine_validator()
    {
        var sessions = new TrafficSimulator(new SimulationOptions { Seed = 8, Sessions = 1000, AttackRate = 0.2 }).Generate();
        var now = new DateTimeOffset(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
        foreach (var s in sessions)
        {
            for (var i = 0; i < s.Events.Count; i += EventLimits.MaxBatchEvents)
            {
                var batch = s.Events.Skip(i).Take(EventLimits.MaxBatchEvents).ToList();
                Assert.Empty(EventValidator.ValidateBatch(batch, now));
            }
        }
    }

    [Fact]
    public void Event_ids_are_unique()
    {
        var ids = new TrafficSimulator(new SimulationOptions { Seed = 4, Sessions = 2000, AttackRate = 0.1 })
            .Generate().SelectMany(s => s.Events).Select(e => e.EventId).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Interleaved_stream_is_ordered_by_ts_and_contains_every_event_once()
    {
        var simulator = new TrafficSimulator(new SimulationOptions { Seed = 13, Sessions = 1500, AttackRate = 0.05 });
        var expected = simulator.Generate().Sum(s => s.Events.Count);
        var merged = simulator.GenerateInterleaved().ToList();
        Assert.Equal(expected, merged.Count);
        Assert.Equal(expected, merged.Select(e => e.Event.EventId).Distinct().Count());
        for (var i = 1; i < merged.Count; i++)
        {
            Assert.True(merged[i].Event.Ts >= merged[i - 1].Event.Ts, $"event {i} goes back in time");
        }
        // Sessions really are interleaved, not emitted one after another.
        var switches = 0;
        for (var i = 1; i < merged.Count; i++)
        {
            if (merged[i].Event.SessionId != merged[i - 1].Event.SessionId)
            {
                switches++;
            }
        }
        Assert.True(switches > 1500 * 2);
        Assert.All(merged, e => Assert.Equal(e.Session.SessionId, e.Event.SessionId));
    }

    [Fact]
    public void Session_id_prefix_makes_a_replay_of_the_same_seed_distinct()
    {
        var a = new TrafficSimulator(new SimulationOptions { Seed = 1, Sessions = 50 }).Generate().ToList();
        var b = new TrafficSimulator(new SimulationOptions { Seed = 1, Sessions = 50, SessionIdPrefix = "run2_" }).Generate().ToList();
        Assert.All(b, s => Assert.StartsWith("run2_", s.SessionId, StringComparison.Ordinal));
        Assert.All(b.SelectMany(s => s.Events), e => Assert.StartsWith("run2_", e.EventId, StringComparison.Ordinal));
        Assert.Equal(a.Select(s => s.Events.Count), b.Select(s => s.Events.Count));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new TrafficSimulator(new SimulationOptions { AttackRate = 1.5 }));
        Assert.Throws<ArgumentException>(() => new TrafficSimulator(new SimulationOptions { Sessions = -1 }));
        Assert.Throws<ArgumentException>(() => new TrafficSimulator(new SimulationOptions { SubtleShare = -0.1 }));
        Assert.Throws<ArgumentException>(() => new TrafficSimulator(new SimulationOptions { RoamShare = 1.5 }));
        Assert.Throws<ArgumentException>(() => new TrafficSimulator(new SimulationOptions { Attacks = [new AttackSpec(AttackType.Scraper, Intensity: 0)] }));
    }

    [Fact]
    public void Phones_roam_mid_session_and_roaming_changes_nothing_but_the_ip()
    {
        var options = new SimulationOptions { Seed = 5, Sessions = 4000, AttackRate = 0, RoamShare = 0.2 };
        var roaming = new TrafficSimulator(options).Generate().ToList();
        var settled = new TrafficSimulator(options with { RoamShare = 0 }).Generate().ToList();
        static int Distinct(SimulatedSession s, string key) => s.Events.Select(e => e.Attributes![key]).Distinct().Count();

        var roamed = roaming.Where(s => Distinct(s, "ip") > 1).ToList();
        // A fifth of the phone and app sessions of 3+ events (about half the devices, some sessions shorter).
        Assert.InRange(roamed.Count, 150, 450);
        Assert.All(roamed, s => Assert.False(s.Events[0].Attributes!["device"].StartsWith("desktop", StringComparison.Ordinal)));
        Assert.All(roamed, s => Assert.Equal(2, Distinct(s, "ip")));
        Assert.All(roaming, s => Assert.Equal((1, 1), (Distinct(s, "device"), Distinct(s, "country"))));
        Assert.All(settled, s => Assert.Equal(1, Distinct(s, "ip")));
        // The same sessions otherwise: ids, names, times, user ids and every other attribute.
        Assert.Equal(settled.Count, roaming.Count);
        for (var i = 0; i < roaming.Count; i++)
        {
            Assert.Equal(
                settled[i].Events.Select(e => e with { Attributes = null }),
                roaming[i].Events.Select(e => e with { Attributes = null }));
            Assert.Equal(
                settled[i].Events.Select(e => string.Join(",", e.Attributes!.Where(a => a.Key != "ip"))),
                roaming[i].Events.Select(e => string.Join(",", e.Attributes!.Where(a => a.Key != "ip"))));
        }
    }
}

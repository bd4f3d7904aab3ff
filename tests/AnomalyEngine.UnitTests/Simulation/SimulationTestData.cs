using AnomalyEngine.Core.Events;
using AnomalyEngine.Simulation;

namespace AnomalyEngine.UnitTests.Simulation;

/// <summary>Shared helpers: sessions of one attack class, and gap statistics.</summary>
internal static class SimulationTestData
{
    /// <summary>Sessions of one attack type only (every session an attack), blatant or subtle.</summary>
    public static List<SimulatedSession> Attacks(AttackType type, bool subtle, int sessions = 60, long seed = 7)
        => new TrafficSimulator(new SimulationOptions
        {
            Seed = seed,
            Sessions = sessions,
            AttackRate = 1.0,
            Attacks = [new AttackSpec(type)],
            SubtleShare = subtle ? 1.0 : 0.0,
        }).Generate().ToList();

    /// <summary>Normal traffic only.</summary>
    public static List<SimulatedSession> Normal(int sessions = 2000, long seed = 11)
        => new TrafficSimulator(new SimulationOptions { Seed = seed, Sessions = sessions, AttackRate = 0 }).Generate().ToList();

    /// <summary>Gaps between consecutive events, in ms.</summary>
    public static List<long> Gaps(IReadOnlyList<SessionEvent> events, int from = 0, int to = int.MaxValue)
    {
        var gaps = new List<long>();
        for (var i = Math.Max(1, from + 1); i < Math.Min(events.Count, to); i++)
        {
            gaps.Add(events[i].Ts - events[i - 1].Ts);
        }
        return gaps;
    }

    public static double Median(IReadOnlyList<long> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    /// <summary>Coefficient of variation (stddev / mean) of the values.</summary>
    public static double Cv(IReadOnlyList<long> values)
    {
        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
        return Math.Sqrt(variance) / mean;
    }

    public static int Count(IReadOnlyList<SessionEvent> events, string name, bool? success = null)
        => events.Count(e => e.Name == name && (success is null || e.Success == success));
}

using System.Globalization;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using StackExchange.Redis;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// Reads the Redis shape of a session (state hash V1 + recent path list), written by
/// <c>Scripts/apply_events.lua</c>, into a <see cref="SessionState"/>. This is the only place that
/// knows the field names, so a change of the stored shape is a change here and in the script.
/// </summary>
public static class SessionStateCodec
{
    /// <summary>Decodes HGETALL output (flat field/value pairs) and LRANGE output.</summary>
    public static SessionState Decode(string sessionId, RedisResult[] hash, RedisResult[] path)
    {
        var s = new SessionState { SessionId = sessionId };
        for (var i = 0; i + 1 < hash.Length; i += 2)
        {
            var field = (string)hash[i]!;
            var value = (string)hash[i + 1]!;
            if (field.StartsWith("n:", StringComparison.Ordinal))
            {
                s.Names[field[2..]] = DecodeName(value);
            }
            else if (field.StartsWith("t:", StringComparison.Ordinal))
            {
                s.Transitions[field[2..]] = DecodeTransition(value);
            }
            else
            {
                SetScalar(s, field, value);
            }
        }
        foreach (var entry in path)
        {
            s.RecentPath.Add(DecodeStep((string)entry!));
        }
        return s;
    }

    private static void SetScalar(SessionState s, string field, string value)
    {
        switch (field)
        {
            case "n": s.Events = L(value); break;
            case "nv": s.Views = L(value); break;
            case "na": s.Actions = L(value); break;
            case "nf": s.Failures = L(value); break;
            case "ns": s.Successes = L(value); break;
            case "ooo": s.OutOfOrder = L(value); break;
            case "t0": s.FirstTs = L(value); break;
            case "t1": s.LastTs = L(value); break;
            case "fs": s.FailStreak = L(value); break;
            case "fsm": s.MaxFailStreak = L(value); break;
            case "g": s.Gaps = L(value); break;
            case "gs": s.GapSum = D(value); break;
            case "gq": s.GapSumSq = D(value); break;
            case "lg": s.LogGapSum = D(value); break;
            case "lgq": s.LogGapSumSq = D(value); break;
            case "first": s.FirstName = value; break;
            case "last": s.LastName = value; break;
            case "uid": s.UserId = value; break;
            default: break; // counters of the caps (nn, nt, seq) and fields of other features
        }
    }

    private static NameStats DecodeName(string v)
    {
        var p = v.Split(',');
        return new NameStats
        {
            Count = L(p[0]),
            Failures = L(p[1]),
            Attempts = L(p[2]),
            Durations = L(p[3]),
            LogDurationSum = D(p[4]),
            LogDurationSumSq = D(p[5]),
        };
    }

    private static TransitionStats DecodeTransition(string v)
    {
        var p = v.Split(',');
        return new TransitionStats { Count = L(p[0]), LogGapSum = D(p[1]), LogGapSumSq = D(p[2]) };
    }

    private static PathStep DecodeStep(string v)
    {
        // ts \t kind \t name \t success \t duration; names cannot hold control characters.
        var p = v.Split('\t');
        var kind = p[1] == "1" ? EventKind.View : EventKind.Action;
        bool? success = p[3] switch { "1" => true, "0" => false, _ => null };
        long? duration = p[4].Length == 0 ? null : L(p[4]);
        return new PathStep(L(p[0]), kind, p[2], success, duration);
    }

    private static long L(string v) => long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static double D(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}

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
/// <remarks>
/// Runs once per session per batch on the live path, so it parses the reply's UTF-8 bytes in
/// place (no string per field, no Split); the only strings it makes are names, which repeat
/// across sessions and come from <see cref="NameCache"/>.
/// </remarks>
public static class SessionStateCodec
{
    private const NumberStyles Integer = NumberStyles.AllowLeadingSign;
    private const NumberStyles Float = NumberStyles.Float | NumberStyles.AllowThousands;

    /// <summary>
    /// Decodes the packed form apply_events.lua and read_session.lua return: the HGETALL fields and values joined by
    /// <c>'\n'</c>, and the path entries joined by <c>'\n'</c> (no stored field, value or name can hold a
    /// control character: the validator rejects them in names and ids).
    /// </summary>
    public static SessionState DecodePacked(string sessionId, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> path)
    {
        var s = new SessionState { SessionId = sessionId };
        PresizeMaps(s, hash);
        while (!hash.IsEmpty)
        {
            var field = Next(ref hash, (byte)'\n');
            var value = Last(ref hash, (byte)'\n');
            SetField(s, field, value);
        }
        while (!path.IsEmpty)
        {
            s.RecentPath.Add(DecodeStep(Last(ref path, (byte)'\n')));
        }
        return s;
    }

    /// <summary>Sizes the name and transition maps once, instead of growing them 3-5 times each.</summary>
    private static void PresizeMaps(SessionState s, ReadOnlySpan<byte> hash)
    {
        int names = 0, transitions = 0;
        var field = true;
        while (!hash.IsEmpty)
        {
            var item = Last(ref hash, (byte)'\n');
            if (field && item.Length >= 2 && item[1] == (byte)':')
            {
                names += item[0] == (byte)'n' ? 1 : 0;
                transitions += item[0] == (byte)'t' ? 1 : 0;
            }
            field = !field;
        }
        s.Names.EnsureCapacity(names);
        s.Transitions.EnsureCapacity(transitions);
    }

    private static void SetField(SessionState s, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        if (field.Length >= 2 && field[1] == (byte)':' && field[0] == (byte)'n')
        {
            s.Names[NameCache.Get(field[2..])] = DecodeName(value);
        }
        else if (field.Length >= 2 && field[1] == (byte)':' && field[0] == (byte)'t')
        {
            s.Transitions[NameCache.Get(field[2..])] = DecodeTransition(value);
        }
        else
        {
            SetScalar(s, field, value);
        }
    }

    private static void SetScalar(SessionState s, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        // Ordered roughly by frequency; counters of the caps (nn, nt, seq) and unknown fields are skipped.
        if (field.SequenceEqual("n"u8)) { s.Events = L(value); }
        else if (field.SequenceEqual("nv"u8)) { s.Views = L(value); }
        else if (field.SequenceEqual("na"u8)) { s.Actions = L(value); }
        else if (field.SequenceEqual("nf"u8)) { s.Failures = L(value); }
        else if (field.SequenceEqual("ns"u8)) { s.Successes = L(value); }
        else if (field.SequenceEqual("ooo"u8)) { s.OutOfOrder = L(value); }
        else if (field.SequenceEqual("t0"u8)) { s.FirstTs = L(value); }
        else if (field.SequenceEqual("t1"u8)) { s.LastTs = L(value); }
        else if (field.SequenceEqual("fs"u8)) { s.FailStreak = L(value); }
        else if (field.SequenceEqual("fsm"u8)) { s.MaxFailStreak = L(value); }
        else if (field.SequenceEqual("g"u8)) { s.Gaps = L(value); }
        else if (field.SequenceEqual("gs"u8)) { s.GapSum = D(value); }
        else if (field.SequenceEqual("gq"u8)) { s.GapSumSq = D(value); }
        else if (field.SequenceEqual("lg"u8)) { s.LogGapSum = D(value); }
        else if (field.SequenceEqual("lgq"u8)) { s.LogGapSumSq = D(value); }
        else if (field.SequenceEqual("first"u8)) { s.FirstName = NameCache.Get(value); }
        else if (field.SequenceEqual("last"u8)) { s.LastName = NameCache.Get(value); }
        else if (field.SequenceEqual("uid"u8)) { s.UserId = NameCache.Get(value); }
    }

    private static NameStats DecodeName(ReadOnlySpan<byte> v)
    {
        // count,failures,attempts,durations,logsum,logsumsq
        var n = new NameStats();
        n.Count = L(Next(ref v, (byte)','));
        n.Failures = L(Next(ref v, (byte)','));
        n.Attempts = L(Next(ref v, (byte)','));
        n.Durations = L(Next(ref v, (byte)','));
        n.LogDurationSum = D(Next(ref v, (byte)','));
        n.LogDurationSumSq = D(v);
        return n;
    }

    private static TransitionStats DecodeTransition(ReadOnlySpan<byte> v)
    {
        var t = new TransitionStats();
        t.Count = L(Next(ref v, (byte)','));
        t.LogGapSum = D(Next(ref v, (byte)','));
        t.LogGapSumSq = D(v);
        return t;
    }

    private static PathStep DecodeStep(ReadOnlySpan<byte> v)
    {
        // ts \t kind \t name \t success \t duration; names cannot hold control characters.
        var ts = L(Next(ref v, (byte)'\t'));
        var kind = Next(ref v, (byte)'\t') is [(byte)'1'] ? EventKind.View : EventKind.Action;
        var name = NameCache.Get(Next(ref v, (byte)'\t'));
        bool? success = Next(ref v, (byte)'\t') switch { [(byte)'1'] => true, [(byte)'0'] => false, _ => null };
        long? duration = v.Length == 0 ? null : L(v);
        return new PathStep(ts, kind, name, success, duration);
    }

    /// <summary>Returns the part of <paramref name="rest"/> before the separator and moves past it; a missing separator is a corrupt value.</summary>
    private static ReadOnlySpan<byte> Next(ref ReadOnlySpan<byte> rest, byte separator)
    {
        var i = rest.IndexOf(separator);
        if (i < 0)
        {
            throw new FormatException("corrupt session state value");
        }
        var part = rest[..i];
        rest = rest[(i + 1)..];
        return part;
    }

    /// <summary>Like <see cref="Next"/>, but the separator may be missing (the last item).</summary>
    private static ReadOnlySpan<byte> Last(ref ReadOnlySpan<byte> rest, byte separator)
    {
        var i = rest.IndexOf(separator);
        if (i < 0)
        {
            var all = rest;
            rest = default;
            return all;
        }
        var part = rest[..i];
        rest = rest[(i + 1)..];
        return part;
    }

    private static long L(ReadOnlySpan<byte> v) => long.Parse(v, Integer, CultureInfo.InvariantCulture);

    private static double D(ReadOnlySpan<byte> v) => double.Parse(v, Float, CultureInfo.InvariantCulture);
}

using System.Runtime.CompilerServices;

namespace AnomalyEngine.Core.Sessions;

/// <summary>
/// The event attributes whose changes within a session the state tracks: where a session comes
/// from. A stolen session cookie replayed from another network keeps the session id but not these.
/// </summary>
public enum ContextAttribute
{
    /// <summary>Attribute <c>ip</c>.</summary>
    Ip = 0,
    /// <summary>Attribute <c>device</c>.</summary>
    Device = 1,
    /// <summary>Attribute <c>country</c>.</summary>
    Country = 2,
}

/// <summary>One tracked attribute within a session: a digest of its latest value and how often it changed.</summary>
public struct ContextTrack
{
    /// <summary>16-bit digest of the latest value (<see cref="SessionContext.Digest"/>); 0 until the attribute is first seen.</summary>
    public ushort Digest;

    /// <summary>Events that carried a value other than the one before, at most <see cref="SessionContext.MaxChanges"/>.</summary>
    public int Changes;
}

/// <summary>The tracks of the <see cref="ContextAttribute"/>s, inline in the state (no allocation).</summary>
[InlineArray(SessionContext.Count)]
public struct ContextTracks
{
    private ContextTrack _first;
}

/// <summary>
/// How the tracks are kept: the offline reducer calls <see cref="Track(ref ContextTracks, IReadOnlyDictionary{string, string}?)"/>
/// with an event's attributes; the live path sends <see cref="Digest"/> of each to
/// <c>apply_events.lua</c>, which applies the same rule to them.
/// </summary>
public static class SessionContext
{
    /// <summary>Number of tracked attributes.</summary>
    public const int Count = 3;

    /// <summary>Changes are counted up to this (one byte in the packed state).</summary>
    public const int MaxChanges = 255;

    private static readonly string[] Keys = ["ip", "device", "country"];

    /// <summary>The attribute key of <paramref name="attribute"/> in events (<c>ip</c>, <c>device</c>, <c>country</c>).</summary>
    public static string Key(ContextAttribute attribute) => Keys[(int)attribute];

    /// <summary>The value of <paramref name="attribute"/> in an event's attributes, or null when absent or empty.</summary>
    public static string? ValueOf(IReadOnlyDictionary<string, string>? attributes, ContextAttribute attribute)
        => attributes is not null && attributes.TryGetValue(Keys[(int)attribute], out var v) && v.Length > 0 ? v : null;

    /// <summary>
    /// FNV-1a over the value's UTF-16 code units, folded to 16 bits and never 0 (0 marks "not seen").
    /// Two bytes per attribute keep the live state small; two values that collide (1 in 65,535)
    /// hide a change, they never invent one.
    /// </summary>
    public static ushort Digest(string value)
    {
        var h = Fnv1a(value);
        var folded = (ushort)(h ^ (h >> 16));
        return folded == 0 ? (ushort)1 : folded;
    }

    /// <summary>32-bit FNV-1a over the value's UTF-16 code units: stable across processes and versions, as stored digests must be.</summary>
    internal static uint Fnv1a(string value)
    {
        var h = 2166136261u;
        foreach (var c in value)
        {
            h = (h ^ c) * 16777619u;
        }
        return h;
    }

    /// <summary>Counts one event's attributes into the tracks; absent attributes leave their track as it is.</summary>
    public static void Track(ref ContextTracks tracks, IReadOnlyDictionary<string, string>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return;
        }
        for (var a = 0; a < Count; a++)
        {
            if (ValueOf(attributes, (ContextAttribute)a) is { } value)
            {
                Track(ref tracks[a], Digest(value));
            }
        }
    }

    /// <summary>The rule for one value's digest: the first value is remembered, each different one is a change.</summary>
    public static void Track(ref ContextTrack track, ushort digest)
    {
        if (track.Digest == 0)
        {
            track.Digest = digest;
        }
        else if (track.Digest != digest)
        {
            track.Changes = Math.Min(MaxChanges, track.Changes + 1);
            track.Digest = digest;
        }
    }
}

using System.Collections.Concurrent;
using System.Text;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// Interns event names, transitions and user ids read back from the store. A site has few
/// distinct pages and actions, and every decode of every session repeats them, so sharing one
/// string per name removes most of the decode's allocations.
/// </summary>
/// <remarks>
/// Names are producer input, so the cache is bounded in entries and entry length: once it is full,
/// further names are simply allocated (correct, just not shared). A flood of unique names
/// therefore costs at most <see cref="Capacity"/> × <see cref="MaxBytes"/> bytes, never more.
/// </remarks>
internal static class NameCache
{
    /// <summary>Most strings kept.</summary>
    public const int Capacity = 4096;

    /// <summary>Longest value interned (UTF-8 bytes, or chars); longer ones are allocated each time.</summary>
    public const int MaxBytes = 128;

    private static readonly ConcurrentDictionary<string, string> Map = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Map.GetAlternateLookup<ReadOnlySpan<char>>();
    private static int _count;

    /// <summary>The string of these UTF-8 bytes, shared when it was seen before.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0)
        {
            return "";
        }
        if (utf8.Length > MaxBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }
        Span<char> buffer = stackalloc char[MaxBytes];
        return Get(buffer[..Encoding.UTF8.GetChars(utf8, buffer)]);
    }

    /// <summary>The string of these characters, shared when it was seen before.</summary>
    public static string Get(ReadOnlySpan<char> chars)
    {
        if (chars.Length > MaxBytes)
        {
            return chars.ToString();
        }
        if (Lookup.TryGetValue(chars, out var found))
        {
            return found;
        }
        var s = chars.ToString();
        // Count is approximate under races (a lost TryAdd still counts); it only needs to bound growth.
        if (Volatile.Read(ref _count) < Capacity && Map.TryAdd(s, s))
        {
            Interlocked.Increment(ref _count);
        }
        return s;
    }
}

namespace AnomalyEngine.Core.Features;

/// <summary>
/// Sessions are compared with training prefixes of similar length, so a 2-event session is judged
/// against other 2-event prefixes and is not flagged just for being short.
/// </summary>
public static class LengthBuckets
{
    // Upper bounds (inclusive) by events; roughly geometric because features change fastest early.
    private static readonly long[] Upper = [1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 48, 72, 128];

    /// <summary>Number of buckets (the last is open-ended).</summary>
    public static int Count => Upper.Length + 1;

    /// <summary>The bucket of a session with <paramref name="events"/> events.</summary>
    public static int Of(long events)
    {
        for (var i = 0; i < Upper.Length; i++)
        {
            if (events <= Upper[i])
            {
                return i;
            }
        }
        return Upper.Length;
    }

    /// <summary>Human label of a bucket, e.g. "4" or "7-8" or "129+".</summary>
    public static string Label(int bucket)
    {
        var lo = bucket == 0 ? 1 : Upper[bucket - 1] + 1;
        if (bucket >= Upper.Length)
        {
            return $"{lo}+";
        }
        var hi = Upper[bucket];
        return lo == hi ? $"{lo}" : $"{lo}-{hi}";
    }
}

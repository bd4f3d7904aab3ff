using AnomalyEngine.Core.Features;

namespace AnomalyEngine.Scoring.Calibration;

/// <summary>
/// Length buckets with too few training prefixes are merged with their neighbours (from the long
/// end, where data is scarce), so every group has enough rows for stable standardisation and tails.
/// </summary>
public sealed class LengthGroups
{
    /// <summary>Creates groups from a bucket → group map.</summary>
    public LengthGroups(int[] bucketToGroup)
    {
        if (bucketToGroup.Length != LengthBuckets.Count)
        {
            throw new ArgumentException($"expected {LengthBuckets.Count} buckets, got {bucketToGroup.Length}", nameof(bucketToGroup));
        }
        BucketToGroup = bucketToGroup;
        var max = 0;
        foreach (var g in bucketToGroup)
        {
            max = Math.Max(max, g);
        }
        Count = max + 1;
    }

    /// <summary>Group of each <see cref="LengthBuckets"/> bucket.</summary>
    public int[] BucketToGroup { get; }

    /// <summary>Number of groups.</summary>
    public int Count { get; }

    /// <summary>The group of a session with this many events.</summary>
    public int Of(long events) => BucketToGroup[LengthBuckets.Of(events)];

    /// <summary>Merges buckets so each group has at least <paramref name="minRows"/> rows where possible.</summary>
    public static LengthGroups Build(long[] rowsPerBucket, long minRows)
    {
        var b = LengthBuckets.Count;
        var map = new int[b];
        // Walk from the longest bucket down, closing a group once it holds enough rows.
        var groupsFromTop = new List<List<int>>();
        var current = new List<int>();
        long acc = 0;
        for (var i = b - 1; i >= 0; i--)
        {
            current.Add(i);
            acc += rowsPerBucket[i];
            if (acc >= minRows)
            {
                groupsFromTop.Add(current);
                current = [];
                acc = 0;
            }
        }
        if (current.Count > 0)
        {
            if (groupsFromTop.Count == 0)
            {
                groupsFromTop.Add(current);
            }
            else
            {
                groupsFromTop[^1].AddRange(current);
            }
        }
        var groups = groupsFromTop.Count;
        for (var g = 0; g < groups; g++)
        {
            foreach (var bucket in groupsFromTop[g])
            {
                map[bucket] = groups - 1 - g;
            }
        }
        return new LengthGroups(map);
    }
}

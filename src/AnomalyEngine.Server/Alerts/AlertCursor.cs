using System.Globalization;
using System.Text;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// The feed position a subscriber resumes from. Version 1: <c>v1:</c> followed by the last delivered
/// sequence of each partition, dot-separated, e.g. <c>v1:123</c> with one partition, <c>v1:5.0.17</c>
/// with three. A vector, because with several partitions there is no single global sequence.
/// </summary>
public static class AlertCursor
{
    private const string Prefix = "v1:";

    /// <summary>
    /// Response header of Subscribe with the position the stream starts after; resuming from it before
    /// any alert arrived loses nothing (not meaningful with <c>from_oldest</c>, which starts at 0).
    /// </summary>
    public const string StartHeader = "ae-start-cursor";

    /// <summary>Formats a position vector.</summary>
    public static string Format(ReadOnlySpan<long> seqs)
    {
        var sb = new StringBuilder(Prefix, Prefix.Length + 8 * seqs.Length);
        for (var i = 0; i < seqs.Length; i++)
        {
            if (i > 0)
            {
                sb.Append('.');
            }
            sb.Append(seqs[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>
    /// The cursor reported in a Track verdict for the alert it raised. With one partition it equals the
    /// cursor a subscriber receives with that alert; with several, it names the alert (<c>v1:p2@57</c>)
    /// and is not a resume position, since the producer cannot know the other partitions' positions.
    /// </summary>
    public static string ForAlert(int partition, long seq, int partitions) =>
        partitions == 1
            ? Prefix + seq.ToString(CultureInfo.InvariantCulture)
            : string.Concat(Prefix, "p", partition.ToString(CultureInfo.InvariantCulture), "@", seq.ToString(CultureInfo.InvariantCulture));

    /// <summary>Parses a resume cursor for a feed of <paramref name="partitions"/> partitions.</summary>
    public static bool TryParse(string text, int partitions, out long[] seqs, out string error)
    {
        seqs = [];
        error = "";
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length > 1024)
        {
            error = "is not a cursor of this alert feed (expected 'v1:…' as received in Alert.cursor)";
            return false;
        }
        var parts = text.AsSpan(Prefix.Length);
        var result = new long[partitions];
        var i = 0;
        foreach (var range in parts.Split('.'))
        {
            var part = parts[range];
            if (i >= partitions || !long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                error = i >= partitions
                    ? $"is for a feed with more partitions than this server's {partitions}"
                    : "is not a cursor of this alert feed (expected 'v1:' and sequence numbers, as received in Alert.cursor)";
                return false;
            }
            result[i++] = seq;
        }
        if (i != partitions)
        {
            error = $"is for a feed with {i} partition(s), this server has {partitions}";
            return false;
        }
        seqs = result;
        return true;
    }
}

using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// The 8-byte digest by which the session state remembers an event id (XxHash3, seed 0, of the
/// id's UTF-8 bytes). A fixed-size digest keeps the remembered ids at 8 bytes each
/// inside the packed state instead of a zset of full ids.
/// </summary>
/// <remarks>
/// Two different ids of one session share a digest with probability 2^-64 per pair, so a new event
/// is wrongly taken for a retry with probability at most <c>EventIdCap</c> / 2^64 ≈ 5.6e-17 (1,024
/// remembered ids); over 10^12 events that is about 6e-5 events lost in expectation. A producer
/// could craft colliding ids only to drop its own events. Stable across processes and versions, so
/// replicas agree.
/// </remarks>
public static class EventIdDigest
{
    /// <summary>Bytes per digest.</summary>
    public const int Size = 8;

    private const int StackBytes = 512;

    /// <summary>The digest of <paramref name="eventId"/>.</summary>
    public static byte[] Of(string eventId)
    {
        // Validated ids are at most 128 UTF-8 bytes; longer ones (direct store callers) rent a buffer.
        var max = Encoding.UTF8.GetMaxByteCount(eventId.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(max));
        var length = Encoding.UTF8.GetBytes(eventId, utf8);
        var digest = new byte[Size];
        XxHash3.Hash(utf8[..length], digest);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return digest;
    }
}

using System.Buffers.Binary;

namespace AnomalyEngine.Cli.Load.Lean;

/// <summary>HTTP/2 frame types, flags and the frame header (RFC 9113 §4.1, §6).</summary>
internal static class Http2Frame
{
    public const int FrameHeaderLength = 9;
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, PushPromise = 0x5, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20;

    public static int WriteFrameHeader(Span<byte> to, int length, byte type, byte flags, int stream)
    {
        to[0] = (byte)(length >> 16);
        to[1] = (byte)(length >> 8);
        to[2] = (byte)length;
        to[3] = type;
        to[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(to[5..], stream);
        return FrameHeaderLength;
    }

    public static int WriteSetting(Span<byte> to, ushort id, int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(to, id);
        BinaryPrimitives.WriteInt32BigEndian(to[2..], value);
        return 6;
    }

    public static ReadOnlySpan<byte> Unpad(ReadOnlySpan<byte> payload, byte flags)
    {
        if ((flags & Padded) == 0)
        {
            return payload;
        }
        var pad = payload[0];
        return pad < payload.Length ? payload[1..^pad] : throw new FormatException("padding longer than the frame");
    }
}

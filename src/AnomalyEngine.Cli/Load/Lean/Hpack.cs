using System.Text;

namespace AnomalyEngine.Cli.Load.Lean;

/// <summary>
/// The slice of HPACK (RFC 7541) a unary gRPC client needs: a constant request header block per
/// method, and reading <c>:status</c>, <c>grpc-status</c> and <c>grpc-message</c> out of response
/// header blocks. Neither side uses a dynamic table, and requests use no Huffman coding.
/// </summary>
internal static class Hpack
{
    /// <summary>The request headers of a gRPC unary call to <paramref name="path"/>, encoded once.</summary>
    public static byte[] RequestBlock(string path, string authority, string? bearer)
    {
        var block = new List<byte>
        {
            0x80 | 3, // :method POST (static index 3)
            0x80 | 6, // :scheme http (static index 6)
        };
        LiteralIndexedName(block, 4, path);                 // :path
        LiteralIndexedName(block, 1, authority);            // :authority
        LiteralIndexedName(block, 31, "application/grpc");  // content-type
        LiteralNewName(block, "te", "trailers");
        if (bearer is not null)
        {
            // Never indexed (0001xxxx), as RFC 7541 §7.1.3 advises for credentials.
            Integer(block, 0x10, 4, 23); // authorization
            String(block, "Bearer " + bearer);
        }
        return [.. block];
    }

    // Literal without indexing (0000xxxx) with a static-table name.
    private static void LiteralIndexedName(List<byte> block, int nameIndex, string value)
    {
        Integer(block, 0x00, 4, nameIndex);
        String(block, value);
    }

    private static void LiteralNewName(List<byte> block, string name, string value)
    {
        block.Add(0x00);
        String(block, name);
        String(block, value);
    }

    private static void String(List<byte> block, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        Integer(block, 0x00, 7, bytes.Length); // H = 0: not Huffman-coded
        block.AddRange(bytes);
    }

    /// <summary>An integer with an N-bit prefix (RFC 7541 §5.1), the prefix byte's high bits being <paramref name="flags"/>.</summary>
    private static void Integer(List<byte> block, byte flags, int prefixBits, int value)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.Add((byte)(flags | value));
            return;
        }
        block.Add((byte)(flags | max));
        value -= max;
        while (value >= 0x80)
        {
            block.Add((byte)(value & 0x7F | 0x80));
            value >>= 7;
        }
        block.Add((byte)value);
    }
}

/// <summary>What a response header block said about the call.</summary>
internal struct ResponseHeaders
{
    public int? HttpStatus;
    public int? GrpcStatus;
    public string? GrpcMessage;
}

/// <summary>
/// Reads response header blocks of a connection whose SETTINGS_HEADER_TABLE_SIZE is 0: the server
/// may not index anything (RFC 7541 §4.2), so the only table is the static one. Only the fields a
/// unary call needs are kept; the rest are parsed and skipped.
/// </summary>
internal static class HpackDecoder
{
    // Static-table entries 8..14 are ":status" with these values; no other static entry matters here.
    private static readonly int[] StaticStatus = [200, 204, 206, 304, 400, 404, 500];
    private const int StaticCount = 61;

    /// <summary>Adds the fields of <paramref name="block"/> that matter to <paramref name="headers"/>.</summary>
    /// <exception cref="FormatException">The block is not valid HPACK for a zero-size table, or uses Huffman coding.</exception>
    public static void Decode(ReadOnlySpan<byte> block, ref ResponseHeaders headers)
    {
        var at = 0;
        while (at < block.Length)
        {
            var b = block[at];
            if ((b & 0x80) != 0) // indexed field
            {
                var index = ReadInteger(block, ref at, 7);
                if (index is >= 8 and <= 14)
                {
                    headers.HttpStatus = StaticStatus[index - 8];
                }
                else if (index is < 1 or > StaticCount)
                {
                    throw new FormatException($"HPACK index {index} is not in the static table (the dynamic table is empty)");
                }
            }
            else if ((b & 0xE0) == 0x20) // dynamic table size update
            {
                if (ReadInteger(block, ref at, 5) != 0)
                {
                    throw new FormatException("HPACK table size update above the 0 this client allows");
                }
            }
            else // literal with incremental indexing (01, stored nowhere: the table holds 0 bytes), without indexing (0000) or never indexed (0001)
            {
                var index = ReadInteger(block, ref at, (b & 0xC0) == 0x40 ? 6 : 4);
                var name = index switch
                {
                    0 => ReadString(block, ref at),
                    >= 8 and <= 14 => ":status",
                    >= 1 and <= StaticCount => "",
                    _ => throw new FormatException($"HPACK index {index} is not in the static table (the dynamic table is empty)"),
                };
                Keep(name, ReadString(block, ref at), ref headers);
            }
        }
    }

    private static void Keep(string name, string value, ref ResponseHeaders headers)
    {
        switch (name)
        {
            case ":status":
                headers.HttpStatus = int.TryParse(value, out var http) ? http : throw new FormatException($"bad :status '{value}'");
                break;
            case "grpc-status":
                headers.GrpcStatus = int.TryParse(value, out var grpc) ? grpc : throw new FormatException($"bad grpc-status '{value}'");
                break;
            case "grpc-message":
                headers.GrpcMessage = Uri.UnescapeDataString(value); // percent-encoded on the wire
                break;
        }
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int at)
    {
        if (at >= block.Length)
        {
            throw new FormatException("HPACK block ends inside a field");
        }
        if ((block[at] & 0x80) != 0)
        {
            throw new FormatException("the server sent a Huffman-coded header, which the lean client does not decode (use --client grpc)");
        }
        var length = ReadInteger(block, ref at, 7);
        if (length > block.Length - at)
        {
            throw new FormatException("HPACK string runs past the end of the block");
        }
        var s = Encoding.ASCII.GetString(block.Slice(at, length));
        at += length;
        return s;
    }

    private static int ReadInteger(ReadOnlySpan<byte> block, ref int at, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        var value = block[at++] & max;
        if (value < max)
        {
            return value;
        }
        for (var shift = 0; shift <= 21; shift += 7)
        {
            if (at >= block.Length)
            {
                throw new FormatException("HPACK block ends inside an integer");
            }
            var b = block[at++];
            value += (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new FormatException("HPACK integer too large");
    }
}

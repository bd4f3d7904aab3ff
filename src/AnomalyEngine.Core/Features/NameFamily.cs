namespace AnomalyEngine.Core.Features;

/// <summary>
/// The family of an event name: the name with each path segment of ASCII digits replaced by
/// <c>{id}</c> (<c>/product/10100</c> → <c>/product/{id}</c>, <c>/orders/7/items</c> →
/// <c>/orders/{id}/items</c>). A shop's product pages are each rare, their family is not: how rare
/// a page is counts by its family, so a long-tail product is not as rare as an email change. Names
/// without such a segment (<c>email_change</c>, HDFS's <c>E5</c>) are a family of their own.
/// </summary>
public static class NameFamily
{
    private const string Id = "{id}";

    /// <summary>Whether the name has a segment of digits (and so a family wider than itself).</summary>
    public static bool IsTemplated(ReadOnlySpan<char> name)
    {
        var start = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == '/')
            {
                if (IsDigits(name[start..i]))
                {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /// <summary>
    /// Writes the family of <paramref name="name"/> into <paramref name="destination"/> (at least
    /// <see cref="MaxLength"/> of the name long) and returns its length.
    /// </summary>
    public static int Write(ReadOnlySpan<char> name, Span<char> destination)
    {
        int start = 0, length = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == '/')
            {
                var segment = name[start..i];
                var written = IsDigits(segment) ? Id.AsSpan() : segment;
                written.CopyTo(destination[length..]);
                length += written.Length;
                if (i < name.Length)
                {
                    destination[length++] = '/';
                }
                start = i + 1;
            }
        }
        return length;
    }

    /// <summary>Room <see cref="Write"/> needs for a name of <paramref name="nameLength"/> characters.</summary>
    public static int MaxLength(int nameLength) => nameLength * 3 + 4;

    /// <summary>The family of a name, as a string.</summary>
    public static string Of(string name)
    {
        if (!IsTemplated(name))
        {
            return name;
        }
        Span<char> buffer = stackalloc char[MaxLength(name.Length)];
        return new string(buffer[..Write(name, buffer)]);
    }

    private static bool IsDigits(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return false;
        }
        foreach (var c in segment)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}

using System.Security.Cryptography;
using System.Text;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// Maps a presented API key to its tenant: the key is hashed with SHA-256 and looked up in the
/// table in force (<see cref="TenantTable.Owner"/>, constant time over every configured hash).
/// </summary>
public sealed class ApiKeyAuthenticator(LiveTenants tenants)
{
    /// <summary>
    /// The tenant owning <paramref name="key"/> in the table in force, or null when no key matches;
    /// <paramref name="table"/> is that table and <paramref name="keyHash"/> the matched hash.
    /// </summary>
    public string? Authenticate(ReadOnlySpan<char> key, out TenantTable table, out byte[]? keyHash)
    {
        table = tenants.Current;
        keyHash = null;
        if (key.IsEmpty)
        {
            return null;
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        // Keys are short tokens; cap the input so a huge header cannot make us hash megabytes.
        if (key.Length > 1024)
        {
            return null;
        }
        var bytes = Encoding.UTF8.GetBytes(key.ToArray());
        SHA256.HashData(bytes, hash);
        return table.Owner(hash, out keyHash);
    }

    /// <summary>
    /// The key from an <c>authorization: Bearer &lt;key&gt;</c> header value; empty when the header
    /// is missing or uses another scheme.
    /// </summary>
    public static ReadOnlySpan<char> BearerToken(string? header)
    {
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        return header.AsSpan(scheme.Length).Trim();
    }
}

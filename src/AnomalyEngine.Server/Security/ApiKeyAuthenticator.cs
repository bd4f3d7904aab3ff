using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// Maps a presented API key to its tenant. The key is hashed with SHA-256 and compared with every
/// configured hash in constant time, always all of them, so neither the match position nor a
/// common prefix shows in the timing.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    private readonly (byte[] Hash, string Tenant)[] _keys;

    /// <summary>Loads the configured hashes (already validated at start).</summary>
    public ApiKeyAuthenticator(IOptions<AuthOptions> options)
    {
        var keys = new List<(byte[], string)>();
        foreach (var (tenant, t) in options.Value.Tenants)
        {
            foreach (var hex in t.KeyHashes)
            {
                if (ApiKeyHash.TryParse(hex, out var hash))
                {
                    keys.Add((hash, tenant));
                }
            }
        }
        _keys = [.. keys];
    }

    /// <summary>The tenant owning <paramref name="key"/>, or null when no configured key matches.</summary>
    public string? Authenticate(ReadOnlySpan<char> key)
    {
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
        string? tenant = null;
        foreach (var (candidate, owner) in _keys)
        {
            // No early exit: every configured hash is compared on every call.
            if (CryptographicOperations.FixedTimeEquals(candidate, hash))
            {
                tenant = owner;
            }
        }
        return tenant;
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

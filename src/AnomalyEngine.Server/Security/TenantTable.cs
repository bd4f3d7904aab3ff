using System.Security.Cryptography;

namespace AnomalyEngine.Server.Security;

/// <summary>One immutable snapshot of the tenants in force: their key hashes, rights and limits.</summary>
public sealed class TenantTable
{
    private TenantTable(Dictionary<string, TenantAuthOptions> tenants, (byte[] Hash, string Tenant)[] keys, int version)
    {
        Tenants = tenants;
        Keys = keys;
        Version = version;
    }

    /// <summary>Tenants by id.</summary>
    public IReadOnlyDictionary<string, TenantAuthOptions> Tenants { get; }

    /// <summary>Every accepted key hash and its tenant.</summary>
    public (byte[] Hash, string Tenant)[] Keys { get; }

    /// <summary>Number of accepted keys.</summary>
    public int KeyCount => Keys.Length;

    /// <summary>Increases with every applied reload.</summary>
    public int Version { get; }

    /// <summary>Builds the table from (validated) options.</summary>
    public static TenantTable From(AuthOptions options, int version)
    {
        var tenants = new Dictionary<string, TenantAuthOptions>(StringComparer.Ordinal);
        var keys = new List<(byte[], string)>();
        foreach (var (tenant, t) in options.Tenants)
        {
            tenants[tenant] = new TenantAuthOptions
            {
                KeyHashes = [.. t.KeyHashes],
                EventsPerSecond = t.EventsPerSecond,
                Burst = t.Burst,
                CanReloadModels = t.CanReloadModels,
            };
            foreach (var hex in t.KeyHashes)
            {
                if (ApiKeyHash.TryParse(hex, out var hash))
                {
                    keys.Add((hash, tenant));
                }
            }
        }
        return new TenantTable(tenants, [.. keys], version);
    }

    /// <summary>
    /// The tenant whose key has this hash, or null; <paramref name="matched"/> is the table's copy of
    /// the hash. Compared in constant time with every key, always all of them, so neither the match
    /// position nor a common prefix shows in the timing.
    /// </summary>
    public string? Owner(ReadOnlySpan<byte> hash, out byte[]? matched)
    {
        string? tenant = null;
        matched = null;
        foreach (var (candidate, owner) in Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, hash))
            {
                tenant = owner;
                matched = candidate;
            }
        }
        return tenant;
    }

    /// <summary>True when <paramref name="hash"/> is an accepted key.</summary>
    public bool HasKey(ReadOnlySpan<byte> hash) => Owner(hash, out _) is not null;

    /// <summary>True when <paramref name="options"/> would build this table again.</summary>
    public bool SameAs(AuthOptions options)
    {
        if (options.Tenants.Count != Tenants.Count)
        {
            return false;
        }
        foreach (var (id, t) in options.Tenants)
        {
            if (!Tenants.TryGetValue(id, out var mine)
                || mine.EventsPerSecond != t.EventsPerSecond
                || mine.Burst != t.Burst
                || mine.CanReloadModels != t.CanReloadModels
                || !mine.KeyHashes.SequenceEqual(t.KeyHashes, StringComparer.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }
}

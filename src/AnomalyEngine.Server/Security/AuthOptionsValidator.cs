using AnomalyEngine.State.Keys;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// Checks <see cref="AuthOptions"/> at start (ValidateOnStart runs before Kestrel binds, so a bad
/// configuration never listens): tenant ids usable in Redis keys, well-formed key hashes, no key
/// shared by two tenants, and no insecure listening on a non-loopback address.
/// </summary>
internal sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (tenant, t) in options.Tenants)
        {
            if (!RedisKeys.IsValidTenant(tenant))
            {
                // The id is config, not a secret; naming it helps the operator.
                errors.Add($"Auth:Tenants:{tenant}: tenant ids are 1..64 of [A-Za-z0-9_-]");
            }
            for (var i = 0; i < t.KeyHashes.Count; i++)
            {
                var hash = t.KeyHashes[i];
                if (!ApiKeyHash.TryParse(hash, out _))
                {
                    // Never echo the value: someone may have pasted the key itself here.
                    errors.Add($"Auth:Tenants:{tenant}:KeyHashes:{i} is not a 64-digit hex SHA-256 (store the hash of the key, not the key)");
                }
                else if (!seen.TryAdd(hash, tenant))
                {
                    errors.Add($"Auth:Tenants:{tenant}:KeyHashes:{i} is also a key of tenant '{seen[hash]}': a key must identify one tenant");
                }
            }
            if (t.EventsPerSecond < 0 || t.Burst < 0)
            {
                errors.Add($"Auth:Tenants:{tenant}: EventsPerSecond and Burst must be >= 0");
            }
        }
        if (options.Enabled && seen.Count == 0)
        {
            errors.Add("Auth:Enabled is true but no tenant has a key (Auth:Tenants:{id}:KeyHashes:0)");
        }
        if (!options.AllowInsecure)
        {
            foreach (var address in ListenAddresses.FromConfiguration(configuration))
            {
                if (ListenAddresses.IsLoopback(address))
                {
                    continue;
                }
                if (!options.Enabled)
                {
                    errors.Add($"refusing to listen on non-loopback {address} with Auth:Enabled=false (set Auth:Enabled=true, or Auth:AllowInsecure=true on a trusted network)");
                }
                if (!address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"refusing plaintext on non-loopback {address} (configure TLS: Kestrel:Endpoints:Grpc:Url=https://… with a Certificate, or Auth:AllowInsecure=true behind a TLS-terminating proxy)");
                }
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using StackExchange.Redis;

namespace AnomalyEngine.State.Keys;

/// <summary>
/// Every Redis key the engine uses is built here. A session's keys share the hash tag
/// <c>{tenant:session}</c>, so one script may touch them all on Redis Cluster; tenant ids cannot
/// contain ':' (see <see cref="IsValidTenant"/>), so two tenants' keys never collide.
/// </summary>
public static class RedisKeys
{
    private const string Prefix = "ae:";

    /// <summary>The three keys of one session: state hash, recent path, remembered event ids.</summary>
    public readonly record struct SessionKeys(RedisKey State, RedisKey Path, RedisKey EventIds)
    {
        /// <summary>The keys as an array in script order.</summary>
        public RedisKey[] ToArray() => [State, Path, EventIds];
    }

    /// <summary>Keys of one tenant's session.</summary>
    public static SessionKeys Session(string tenant, string sessionId)
    {
        var tag = string.Concat(Prefix, "{", tenant, ":", sessionId, "}:");
        return new SessionKeys(tag + "st", tag + "path", tag + "ids");
    }

    /// <summary>The tenant's analyst labels (hash: session id → label).</summary>
    public static RedisKey Labels(string tenant) => string.Concat(Prefix, "{", tenant, "}:labels");

    /// <summary>Tenant ids are 1..64 of [A-Za-z0-9_-], which keeps key parsing unambiguous.</summary>
    public static bool IsValidTenant(string tenant)
    {
        if (tenant.Length is 0 or > 64)
        {
            return false;
        }
        foreach (var c in tenant)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }
}

using StackExchange.Redis;

namespace AnomalyEngine.State.Keys;

/// <summary>
/// Every Redis key the engine uses is built here. A session's key carries the hash tag
/// <c>{tenant:session}</c>, so a session lives whole on one Redis Cluster node; tenant ids cannot
/// contain ':' (see <see cref="IsValidTenant"/>), so two tenants' keys never collide.
/// </summary>
public static class RedisKeys
{
    private const string Prefix = "ae:";

    /// <summary>
    /// The one key of a tenant's session: its packed state (a string, see
    /// <c>Scripts/apply_events.lua</c>), layout version 6 (aggregates plus a tail of raw events in
    /// variable-width rows, a prefix-coded name table with digit suffixes packed, the context digests,
    /// the user history check). The suffix differs from the earlier layouts' (<c>:ps5</c>, version 5,
    /// whose reader takes the check for part of the name table; <c>:ps4</c>, version 4 without the context,
    /// whose reader takes the context flag for part of the last ts; <c>:ps3</c>, version 3 with fixed-width rows; <c>:ps2</c>, version 2
    /// with whole names; <c>:ps</c>, packed version 1; <c>:st</c>, <c>:path</c>, <c>:ids</c>, the
    /// hash layout), so a state left by an older version is never read
    /// as this layout; such sessions start afresh after an upgrade and their keys expire by their own
    /// time to live.
    /// </summary>
    public static RedisKey Session(string tenant, string sessionId) =>
        string.Concat(Prefix, "{", tenant, ":", sessionId, "}:ps6");

    /// <summary>
    /// A tenant's user's history (a hash, see <c>Scripts/user_history.lua</c>): the networks, devices
    /// and countries of their earlier sessions, as digests. Its own hash tag <c>{tenant:u:user}</c>:
    /// on a cluster it lives apart from the session, which is why the check is a call of its own.
    /// </summary>
    public static RedisKey UserHistory(string tenant, string userId) =>
        string.Concat(Prefix, "{", tenant, ":u:", userId, "}:uh");

    /// <summary>The tenant's analyst labels (hash: session id → label).</summary>
    public static RedisKey Labels(string tenant) => string.Concat(Prefix, "{", tenant, "}:labels");

    /// <summary>
    /// The four keys of one alert-feed partition: sequence counter, record log, per-session last alert,
    /// per-session last-seen-anomalous. They share the hash tag <c>{tenant:feed:p}</c>, so the dedup
    /// decision and the append are one script on Redis Cluster.
    /// </summary>
    public readonly record struct AlertFeedKeys(RedisKey Seq, RedisKey Log, RedisKey Last, RedisKey Seen)
    {
        /// <summary>The keys as an array in script order.</summary>
        public RedisKey[] ToArray() => [Seq, Log, Last, Seen];
    }

    /// <summary>Keys of partition <paramref name="partition"/> of a tenant's alert feed.</summary>
    public static AlertFeedKeys AlertFeed(string tenant, int partition)
    {
        var tag = string.Concat(Prefix, "{", tenant, ":feed:", partition.ToString(System.Globalization.CultureInfo.InvariantCulture), "}:");
        return new AlertFeedKeys(tag + "seq", tag + "log", tag + "last", tag + "seen");
    }

    /// <summary>
    /// The one pub/sub channel on which every replica announces new alerts ("tenant partition seq").
    /// One channel for all tenants keeps it to one SUBSCRIBE per process; it is only a wake-up.
    /// </summary>
    public static RedisChannel AlertWakeChannel { get; } = RedisChannel.Literal(Prefix + "alerts:wake");

    /// <summary>
    /// The live replicas of one deployment (sorted set: replica id → last heartbeat, ms), which
    /// divide the tenants' rate budgets among themselves when limits are cluster-wide.
    /// </summary>
    public static RedisKey Replicas(string deployment) => string.Concat(Prefix, "{replicas:", deployment, "}");

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

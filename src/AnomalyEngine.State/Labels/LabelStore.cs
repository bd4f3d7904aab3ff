using System.Text.Json;
using AnomalyEngine.State.Keys;
using StackExchange.Redis;

namespace AnomalyEngine.State.Labels;

/// <summary>An analyst's label of a session, kept for the next training.</summary>
public sealed record SessionLabelV1(string SessionId, bool Anomalous, string? Class, string? Note, long LabeledAt);

/// <summary>
/// Analyst labels per tenant in one hash (session id → JSON of <see cref="SessionLabelV1"/>); a later
/// label of the same session replaces the earlier one.
/// </summary>
public sealed class LabelStore(IConnectionMultiplexer redis)
{
    /// <summary>Stores a label and returns how many the tenant has.</summary>
    public async Task<long> PutAsync(string tenant, SessionLabelV1 label)
    {
        var key = RedisKeys.Labels(tenant);
        var db = redis.GetDatabase();
        await db.HashSetAsync(key, label.SessionId, JsonSerializer.Serialize(label)).ConfigureAwait(false);
        return await db.HashLengthAsync(key).ConfigureAwait(false);
    }

    /// <summary>Every label of the tenant, in no particular order.</summary>
    public async IAsyncEnumerable<SessionLabelV1> ScanAsync(string tenant)
    {
        await foreach (var entry in redis.GetDatabase().HashScanAsync(RedisKeys.Labels(tenant), pageSize: 500).ConfigureAwait(false))
        {
            if (JsonSerializer.Deserialize<SessionLabelV1>((string)entry.Value!) is { } label)
            {
                yield return label;
            }
        }
    }
}

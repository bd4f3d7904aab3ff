using System.Collections.Concurrent;
using AnomalyEngine.Core.Events;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// A token bucket of events per tenant, local to this replica (N replicas admit up to N times the
/// configured rate; a shared limit would put a Redis round trip on every call). A batch is admitted
/// whole or not at all, so a rejected batch writes nothing.
/// </summary>
/// <remarks>A reload of the tenants (<see cref="LiveTenants"/>) that changes them starts every bucket afresh, full.</remarks>
public sealed class TenantRateLimiter(LiveTenants tenants, IOptions<LimitsOptions> limits, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (int Version, Bucket? Bucket)> _buckets = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes <paramref name="events"/> tokens from the tenant's bucket. False (nothing taken) when the
    /// bucket holds fewer; <paramref name="retryAfter"/> then says when enough will have refilled.
    /// </summary>
    public bool TryAcquire(string tenant, int events, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        var table = tenants.Current;
        var entry = _buckets.GetOrAdd(tenant, CreateBucket, table);
        if (entry.Version != table.Version)
        {
            entry = CreateBucket(tenant, table);
            _buckets[tenant] = entry;
        }
        return entry.Bucket is null || entry.Bucket.TryTake(events, time.GetTimestamp(), time, out retryAfter);
    }

    private (int, Bucket?) CreateBucket(string tenant, TenantTable table)
    {
        var rate = limits.Value.DefaultEventsPerSecond;
        var burst = limits.Value.DefaultBurst;
        if (table.Tenants.TryGetValue(tenant, out var t) && t.EventsPerSecond > 0)
        {
            rate = t.EventsPerSecond;
            burst = t.Burst;
        }
        if (rate <= 0)
        {
            return (table.Version, null); // Unlimited.
        }
        // Default burst: one second of rate, and never less than a full batch, so a legal batch can pass.
        var capacity = burst > 0 ? burst : Math.Max(rate, EventLimits.MaxBatchEvents);
        return (table.Version, new Bucket(rate, capacity, time.GetTimestamp()));
    }

    private sealed class Bucket(double rate, double capacity, long start)
    {
        private readonly Lock _gate = new();
        private double _tokens = Math.Max(capacity, 0);
        private long _last = start;

        public bool TryTake(int count, long now, TimeProvider time, out TimeSpan retryAfter)
        {
            lock (_gate)
            {
                var elapsed = time.GetElapsedTime(_last, now).TotalSeconds;
                if (elapsed > 0)
                {
                    _tokens = Math.Min(capacity, _tokens + elapsed * rate);
                    _last = now;
                }
                if (count <= _tokens)
                {
                    _tokens -= count;
                    retryAfter = TimeSpan.Zero;
                    return true;
                }
                // A batch bigger than the bucket can never pass; say so with the longest sensible wait.
                var missing = Math.Min(count, capacity) - _tokens;
                retryAfter = TimeSpan.FromSeconds(Math.Max(missing, 0) / rate);
                return false;
            }
        }
    }
}

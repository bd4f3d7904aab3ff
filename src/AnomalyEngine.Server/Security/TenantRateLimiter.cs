using System.Collections.Concurrent;
using AnomalyEngine.Core.Events;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// A token bucket of events per tenant. Its rate is the replica's own (N replicas admit up to N
/// times the configured rate), or with cluster-wide limits the configured rate divided by the
/// deployment's live replicas (<see cref="ReplicaCensus"/>): a shared counter in Redis would put a
/// round trip on every call. A batch is admitted whole or not at all, so a rejected batch writes nothing.
/// When the tenants reload (<see cref="LiveTenants"/>) or the replica count changes, a bucket takes
/// its new rate and capacity and keeps the tokens it holds (never more than the new capacity).
/// </summary>
public sealed class TenantRateLimiter(LiveTenants tenants, ReplicaCensus census, IOptions<LimitsOptions> limits, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes <paramref name="events"/> tokens from the tenant's bucket. False (nothing taken) when the
    /// bucket holds fewer; <paramref name="retryAfter"/> then says when enough will have refilled.
    /// </summary>
    public bool TryAcquire(string tenant, int events, out TimeSpan retryAfter)
    {
        var table = tenants.Current;
        var replicas = census.Replicas;
        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(tenant, id => new Bucket(Budget(id, table, replicas), table.Version, replicas, now));
        if (bucket.Version != table.Version || bucket.Replicas != replicas)
        {
            bucket.Retune(Budget(tenant, table, replicas), table.Version, replicas, now, time);
        }
        return bucket.TryTake(events, now, time, out retryAfter);
    }

    /// <summary>This replica's rate (0 = unlimited) and capacity for the tenant.</summary>
    private (double Rate, double Capacity) Budget(string tenant, TenantTable table, int replicas)
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
            return (0, 0);
        }
        if (burst > 0)
        {
            return (rate / replicas, burst / replicas);
        }
        // Default burst: one second of the rate, and never less than a full batch, so a legal batch can pass.
        return (rate / replicas, Math.Max(rate / replicas, EventLimits.MaxBatchEvents));
    }

    private sealed class Bucket
    {
        private readonly Lock _gate = new();
        private double _rate;
        private double _capacity;
        private double _tokens;
        private long _last;

        public Bucket((double Rate, double Capacity) budget, int version, int replicas, long start)
        {
            (_rate, _capacity) = budget;
            _tokens = _capacity;
            _last = start;
            Version = version;
            Replicas = replicas;
        }

        public int Version { get; private set; }

        public int Replicas { get; private set; }

        public void Retune((double Rate, double Capacity) budget, int version, int replicas, long now, TimeProvider time)
        {
            lock (_gate)
            {
                Refill(now, time);
                var wasUnlimited = _rate <= 0;
                (_rate, _capacity) = budget;
                _tokens = wasUnlimited ? _capacity : Math.Min(_tokens, _capacity);
                Version = version;
                Replicas = replicas;
            }
        }

        public bool TryTake(int count, long now, TimeProvider time, out TimeSpan retryAfter)
        {
            retryAfter = TimeSpan.Zero;
            if (Volatile.Read(ref _rate) <= 0)
            {
                return true; // Unlimited: no lock on the hot path of the default configuration.
            }
            lock (_gate)
            {
                Refill(now, time);
                if (count <= _tokens)
                {
                    _tokens -= count;
                    return true;
                }
                // A batch bigger than the bucket can never pass; say so with the longest sensible wait.
                var missing = Math.Min(count, _capacity) - _tokens;
                retryAfter = TimeSpan.FromSeconds(Math.Max(missing, 0) / _rate);
                return false;
            }
        }

        private void Refill(long now, TimeProvider time)
        {
            var elapsed = time.GetElapsedTime(_last, now).TotalSeconds;
            if (elapsed > 0)
            {
                _tokens = Math.Min(_capacity, _tokens + elapsed * _rate);
                _last = now;
            }
        }
    }
}

using System.Collections.Concurrent;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.State.Alerts;
using AnomalyEngine.State.Keys;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// Connects this process's producers and subscribers. Alerts appended here are handed straight to the
/// local subscribers of their tenant (no Redis round trip between append and delivery); the process's
/// one Redis SUBSCRIBE wakes them for alerts appended by other replicas. Neither path is trusted for
/// completeness: a reader takes a handed-over record only when it is the next one of its partition and
/// otherwise reads the log by range, so a lost, late or duplicated hand-off or message cannot lose or
/// duplicate an alert.
/// </summary>
public sealed class AlertHub(IConnectionMultiplexer redis, ILogger<AlertHub> logger)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<AlertWaker, byte>> _byTenant = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private volatile bool _subscribed;
    private long _handedOver;

    /// <summary>Local subscribers right now (for tests and diagnostics).</summary>
    public int SubscriberCount
    {
        get
        {
            var n = 0;
            foreach (var (_, set) in _byTenant)
            {
                n += set.Count;
            }
            return n;
        }
    }

    /// <summary>Alerts that subscribers of this process delivered from a hand-off rather than a log read.</summary>
    public long HandedOver => Interlocked.Read(ref _handedOver);

    /// <summary>
    /// Registers a subscriber of a tenant's alerts; dispose the waker to unregister. Register BEFORE the
    /// first read of the log: any alert appended after that read then reaches the reader, which is what
    /// makes the hand-over from backlog to live gap-free.
    /// </summary>
    public async Task<AlertWaker> RegisterAsync(string tenant, int partitions)
    {
        await EnsureSubscribedAsync();
        var set = _byTenant.GetOrAdd(tenant, static _ => new ConcurrentDictionary<AlertWaker, byte>());
        AlertWaker? waker = null;
        waker = new AlertWaker(partitions, () => set.TryRemove(waker!, out _), () => Interlocked.Increment(ref _handedOver));
        set[waker] = 0;
        return waker;
    }

    /// <summary>
    /// Hands a record this process has just appended to the tenant's local subscribers. Call before
    /// <see cref="AlertLog.PublishWake"/>, so that the wake-up this process receives for its own alert
    /// finds the record already handed over and costs no read.
    /// </summary>
    public void HandOver(string tenant, AlertRecord record)
    {
        if (_byTenant.TryGetValue(tenant, out var set))
        {
            foreach (var (waker, _) in set)
            {
                waker.Offer(record);
            }
        }
    }

    private async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }
        await _subscribeGate.WaitAsync();
        try
        {
            if (!_subscribed)
            {
                await redis.GetSubscriber().SubscribeAsync(RedisKeys.AlertWakeChannel, (_, message) => OnMessage(message));
                _subscribed = true;
                Log.AlertHubSubscribed(logger);
            }
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    // Message: "tenant partition seq" (AlertLog.PublishWake); tenant ids contain no spaces.
    private void OnMessage(RedisValue message)
    {
        var text = (string?)message;
        if (text is null)
        {
            return;
        }
        var parts = text.Split(' ');
        if (!_byTenant.TryGetValue(parts[0], out var set))
        {
            return;
        }
        var (partition, seq) = (0, 0L);
        var known = parts.Length == 3 && int.TryParse(parts[1], out partition) && long.TryParse(parts[2], out seq);
        foreach (var (waker, _) in set)
        {
            if (known)
            {
                waker.Announce(partition, seq);
            }
            else
            {
                waker.Wake();
            }
        }
    }
}

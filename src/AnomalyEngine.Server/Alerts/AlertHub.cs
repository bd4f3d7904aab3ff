using System.Collections.Concurrent;
using System.Threading.Channels;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.State.Keys;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// The process's one Redis SUBSCRIBE for alert wake-ups, fanned out to the local subscribers of the
/// tenant named in each message. Any replica's alert wakes every replica's subscribers. Messages only
/// wake readers, which then read the log by range: a lost or duplicated message cannot lose or
/// duplicate an alert.
/// </summary>
public sealed class AlertHub(IConnectionMultiplexer redis, ILogger<AlertHub> logger)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<AlertWaker, byte>> _byTenant = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private volatile bool _subscribed;

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

    /// <summary>
    /// Registers a waker for a tenant's alerts. Register BEFORE the first read of the log: any alert
    /// appended after that read then wakes the reader, which is what makes the hand-over gap-free.
    /// </summary>
    public async Task<IDisposable> RegisterAsync(string tenant, AlertWaker waker)
    {
        await EnsureSubscribedAsync();
        var set = _byTenant.GetOrAdd(tenant, static _ => new ConcurrentDictionary<AlertWaker, byte>());
        set[waker] = 0;
        return new Registration(set, waker);
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

    private void OnMessage(RedisValue message)
    {
        var text = (string?)message;
        if (text is null)
        {
            return;
        }
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var tenant = space < 0 ? text : text[..space];
        if (_byTenant.TryGetValue(tenant, out var set))
        {
            foreach (var (waker, _) in set)
            {
                waker.Wake();
            }
        }
    }

    private sealed class Registration(ConcurrentDictionary<AlertWaker, byte> set, AlertWaker waker) : IDisposable
    {
        public void Dispose() => set.TryRemove(waker, out _);
    }
}

/// <summary>An auto-reset wake-up signal for one subscriber: many wakes before a wait collapse into one.</summary>
public sealed class AlertWaker
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Signals the reader; never blocks.</summary>
    public void Wake() => _signal.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up or the timeout, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_signal.Reader.TryRead(out _))
        {
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _signal.Reader.WaitToReadAsync(cts.Token);
            _signal.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The poll interval passed: re-read anyway.
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Serialization;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// Subscribers attached to a load run (<c>--subscribers N</c>): N live <c>Subscribe</c> streams on a
/// channel of their own, and the time from each alerting request's send (the same start its request
/// latency is taken from) until that alert reaches each subscriber. Also checks the feed's promise:
/// every alert the run raised reaches every subscriber.
/// </summary>
/// <remarks>
/// The Track answer and the alert race (the alert can reach a subscriber first), so whichever side
/// comes second completes the sample. A Track answer names its alert by <c>Verdict.alert_cursor</c>,
/// and a delivered alert carries the same id in <c>alert.verdict.alert_cursor</c>; alerts of sessions
/// outside this run are ignored.
/// </remarks>
internal sealed class AlertWatch : IAsyncDisposable
{
    private readonly LatencyHistogram _latency = new();
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly GrpcChannel _channel;
    private readonly LoadStats _stats;
    private readonly string _sessionPrefix;
    private readonly int _subscribers;
    private readonly List<AsyncServerStreamingCall<Alert>> _calls = [];
    private readonly List<Task> _readers = [];
    private long _raised;
    private long _delivered;
    private string? _firstError;

    private AlertWatch(GrpcChannel channel, LoadStats stats, string sessionPrefix, int subscribers)
    {
        (_channel, _stats, _sessionPrefix, _subscribers) = (channel, stats, sessionPrefix, subscribers);
    }

    /// <summary>Connects the subscribers and returns once every one is live (its response headers arrived).</summary>
    public static async Task<AlertWatch> StartAsync(LoadOptions o, LoadStats stats)
    {
        var watch = new AlertWatch(ChannelFactory.Create(o.Target.ToString()), stats, o.RunId + "-", o.Subscribers);
        var client = new AlertService.AlertServiceClient(watch._channel);
        for (var i = 0; i < o.Subscribers; i++)
        {
            var call = client.Subscribe(new SubscribeRequest(), cancellationToken: watch._stop.Token);
            await call.ResponseHeadersAsync;
            watch._calls.Add(call);
            watch._readers.Add(Task.Run(() => watch.ReadAsync(call)));
        }
        return watch;
    }

    /// <summary>A Track answer raised alert <paramref name="alertId"/> for a request sent at <paramref name="sentAt"/>.</summary>
    public void Raised(string alertId, long sentAt)
    {
        var measured = sentAt >= _stats.MeasureStart;
        if (measured)
        {
            Interlocked.Increment(ref _raised);
        }
        var pending = _pending.GetOrAdd(alertId, static _ => new Pending());
        lock (pending)
        {
            pending.SentAt = sentAt;
            pending.Measured = measured;
            foreach (var at in pending.Early)
            {
                Record(pending, at);
            }
            pending.Early.Clear();
            RemoveWhenDone(alertId, pending);
        }
    }

    /// <summary>Waits up to <paramref name="grace"/> for alerts still owed to subscribers, then closes the streams.</summary>
    public async Task<AlertSummary> FinishAsync(TimeSpan grace)
    {
        var until = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (Interlocked.Read(ref _delivered) < Interlocked.Read(ref _raised) * _subscribers && Stopwatch.GetTimestamp() < until)
        {
            await Task.Delay(50);
        }
        await _stop.CancelAsync();
        await Task.WhenAll(_readers);
        var raised = Interlocked.Read(ref _raised);
        var delivered = Interlocked.Read(ref _delivered);
        return new AlertSummary(_subscribers, raised, delivered, raised * _subscribers - delivered,
            _latency.Ms(50), _latency.Ms(90), _latency.Ms(99), _latency.Ms(99.9), _latency.MaxMs, _firstError);
    }

    private async Task ReadAsync(AsyncServerStreamingCall<Alert> call)
    {
        try
        {
            await foreach (var alert in call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                if (alert.SessionId.StartsWith(_sessionPrefix, StringComparison.Ordinal) && alert.Verdict is { AlertCursor.Length: > 0 } verdict)
                {
                    Arrived(verdict.AlertCursor, now);
                }
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // end of run
        }
        catch (RpcException e)
        {
            // Counted as missed alerts; the message says why.
            Interlocked.CompareExchange(ref _firstError, "subscriber ended: " + e.Status, null);
        }
    }

    private void Arrived(string alertId, long at)
    {
        var pending = _pending.GetOrAdd(alertId, static _ => new Pending());
        lock (pending)
        {
            pending.Arrivals++;
            if (pending.SentAt == 0)
            {
                pending.Early.Add(at);
                return;
            }
            Record(pending, at);
            RemoveWhenDone(alertId, pending);
        }
    }

    private void Record(Pending pending, long at)
    {
        if (pending.Measured)
        {
            _latency.Record(pending.SentAt, at);
            Interlocked.Increment(ref _delivered);
        }
    }

    private void RemoveWhenDone(string alertId, Pending pending)
    {
        if (pending.Arrivals == _subscribers)
        {
            _pending.TryRemove(alertId, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var call in _calls)
        {
            call.Dispose();
        }
        _channel.Dispose();
        _stop.Dispose();
    }

    // One alert's meeting point of its Track answer and its deliveries; guarded by its own lock.
    private sealed class Pending
    {
        public long SentAt;
        public bool Measured;
        public int Arrivals;
        public readonly List<long> Early = [];
    }
}

/// <summary>Alert figures of a load run with subscribers attached.</summary>
internal sealed record AlertSummary(
    int Subscribers, long Raised, long Deliveries, long Missed,
    double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FirstError);

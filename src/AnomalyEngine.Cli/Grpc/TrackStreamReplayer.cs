using System.Collections.Concurrent;
using System.Diagnostics;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Simulation;
using Grpc.Core;

namespace AnomalyEngine.Cli.Grpc;

/// <summary>How to replay: pace, batching, when to stop, how many catches to keep for display.</summary>
/// <param name="Rate">Events per second to send.</param>
/// <param name="BatchSize">Events per TrackRequest.</param>
/// <param name="Duration">Stop after this much wall time; null sends everything.</param>
/// <param name="MaxCatches">Anomalous sessions kept with their reason for display.</param>
internal sealed record ReplayOptions(double Rate, int BatchSize, TimeSpan? Duration, int MaxCatches = 10)
{
    /// <summary>A batch size for a rate: about 50 batches a second, 1..500 events each.</summary>
    public static int AutoBatchSize(double rate) => (int)Math.Clamp(Math.Round(rate / 50), 1, 500);
}

/// <summary>A session the server flagged, with the simulator's ground truth beside the server's reason.</summary>
internal sealed record Catch(string SessionId, string Class, Severity Severity, double Score, long EventsSeen, string ReasonCode, string ReasonMessage);

/// <summary>Counters shared between the send loop, the response reader and the display. All thread-safe.</summary>
internal sealed class ReplayStats
{
    private long _eventsSent;
    private long _batchesSent;
    private long _responses;
    private long _verdicts;
    private long _anomalousVerdicts;
    private long _batchErrors;
    private readonly ConcurrentDictionary<string, string> _classBySession = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _flagged = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _sessionsByClass = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _flaggedByClass = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Catch> _catches = new();
    private int _catchCount;

    public Stopwatch Clock { get; } = new();
    public long EventsSent => Interlocked.Read(ref _eventsSent);
    public long BatchesSent => Interlocked.Read(ref _batchesSent);
    public long Responses => Interlocked.Read(ref _responses);
    public long Verdicts => Interlocked.Read(ref _verdicts);
    public long AnomalousVerdicts => Interlocked.Read(ref _anomalousVerdicts);
    public long BatchErrors => Interlocked.Read(ref _batchErrors);
    public int FlaggedSessions => _flagged.Count;
    public int SessionsStarted => _classBySession.Count;

    /// <summary>The first batch error, or the error that ended the stream.</summary>
    public string? FirstError { get; private set; }

    /// <summary>The stream ended with an error (server gone, refused, ...).</summary>
    public RpcException? Fatal { get; set; }

    public double Rate => Clock.Elapsed.TotalSeconds > 0 ? EventsSent / Clock.Elapsed.TotalSeconds : 0;

    /// <summary>Catches so far, in the order they happened.</summary>
    public IReadOnlyCollection<Catch> Catches => _catches;

    /// <summary>Sessions started and flagged per simulator class.</summary>
    public IEnumerable<(string Class, int Sessions, int Flagged)> ByClass()
        => _sessionsByClass.OrderBy(kv => kv.Key == AttackClasses.Normal ? "" : kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, kv.Value, _flaggedByClass.GetValueOrDefault(kv.Key)));

    internal void SessionSeen(SimulatedSession session)
    {
        if (_classBySession.TryAdd(session.SessionId, session.Class))
        {
            _sessionsByClass.AddOrUpdate(session.Class, 1, static (_, n) => n + 1);
        }
    }

    internal void Sent(int events)
    {
        Interlocked.Add(ref _eventsSent, events);
        Interlocked.Increment(ref _batchesSent);
    }

    internal void Error(string message)
    {
        Interlocked.Increment(ref _batchErrors);
        FirstError ??= message;
    }

    internal void Received(TrackResponse response, int maxCatches)
    {
        Interlocked.Increment(ref _responses);
        if (response.Error is { } error && (error.Code.Length > 0 || error.Message.Length > 0))
        {
            var first = error.Violations.Count > 0 ? $" ({error.Violations[0].Field}: {error.Violations[0].Description})" : "";
            Error($"batch {response.BatchId}: {error.Code} {error.Message}{first}");
            return;
        }
        foreach (var verdict in response.Verdicts)
        {
            Interlocked.Increment(ref _verdicts);
            if (!verdict.Anomalous)
            {
                continue;
            }
            Interlocked.Increment(ref _anomalousVerdicts);
            if (!_flagged.TryAdd(verdict.SessionId, 0))
            {
                continue;
            }
            var cls = _classBySession.GetValueOrDefault(verdict.SessionId, "?");
            _flaggedByClass.AddOrUpdate(cls, 1, static (_, n) => n + 1);
            if (Interlocked.Increment(ref _catchCount) <= maxCatches)
            {
                var top = verdict.Reasons.Count > 0 ? verdict.Reasons[0] : null;
                _catches.Enqueue(new Catch(verdict.SessionId, cls, verdict.Severity, verdict.Score, verdict.EventsSeen,
                    top?.Code ?? "", top?.Message ?? "(no reason given)"));
            }
        }
    }
}

/// <summary>
/// Streams simulated events to a server over the producers' real path, the bidirectional
/// <c>TrackStream</c>: batches in time order, paced to a rate (simulated time is compressed: the
/// events keep their ts, only the wall-clock spacing changes), responses read concurrently.
/// </summary>
internal sealed class TrackStreamReplayer
{
    private readonly ScoringService.ScoringServiceClient _client;
    private readonly ReplayOptions _options;

    public TrackStreamReplayer(ScoringService.ScoringServiceClient client, ReplayOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Rate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        _client = client;
        _options = options;
    }

    public ReplayStats Stats { get; } = new();

    /// <summary>Sends <paramref name="events"/> until done, the duration is up or <paramref name="ct"/> fires.</summary>
    public async Task RunAsync(IEnumerable<SimulatedEvent> events, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = _client.TrackStream(cancellationToken: stop.Token);
        Stats.Clock.Start();
        var reader = ReadResponsesAsync(call.ResponseStream, stop);
        try
        {
            await SendAsync(call.RequestStream, events, stop.Token).ConfigureAwait(false);
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The server ended the call; the reader sees the status that says why.
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C, or the reader saw the call end: stop sending, keep what we have.
        }

        if (ct.IsCancellationRequested)
        {
            // Interrupted: do not wait for answers to the last batches.
            await stop.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await reader.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
        }
        catch (RpcException e)
        {
            Stats.Fatal = e;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        Stats.Clock.Stop();
    }

    private async Task SendAsync(IClientStreamWriter<TrackRequest> requests, IEnumerable<SimulatedEvent> events, CancellationToken ct)
    {
        var batch = new TrackRequest();
        long batchNo = 0;
        foreach (var item in events)
        {
            if (_options.Duration is { } limit && Stats.Clock.Elapsed >= limit)
            {
                break;
            }
            ct.ThrowIfCancellationRequested();
            Stats.SessionSeen(item.Session);
            batch.Events.Add(EventMapper.ToContract(item.Event));
            if (batch.Events.Count >= _options.BatchSize)
            {
                await WriteBatchAsync(requests, batch, ++batchNo, ct).ConfigureAwait(false);
                batch = new TrackRequest();
            }
        }
        if (batch.Events.Count > 0)
        {
            await WriteBatchAsync(requests, batch, ++batchNo, ct).ConfigureAwait(false);
        }
    }

    private async Task WriteBatchAsync(IClientStreamWriter<TrackRequest> requests, TrackRequest batch, long batchNo, CancellationToken ct)
    {
        // Pace: the batch leaves when the clock reaches the time its last event is due at the given rate.
        var due = TimeSpan.FromSeconds((Stats.EventsSent + batch.Events.Count) / _options.Rate);
        var wait = due - Stats.Clock.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(1))
        {
            await Task.Delay(wait, ct).ConfigureAwait(false);
        }
        batch.BatchId = batchNo.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await requests.WriteAsync(batch, ct).ConfigureAwait(false);
        Stats.Sent(batch.Events.Count);
    }

    private async Task ReadResponsesAsync(IAsyncStreamReader<TrackResponse> responses, CancellationTokenSource stop)
    {
        // Yield first so the send loop starts without waiting for the first response.
        await Task.Yield();
        try
        {
            while (await responses.MoveNext(stop.Token).ConfigureAwait(false))
            {
                Stats.Received(responses.Current, _options.MaxCatches);
            }
        }
        catch (RpcException)
        {
            // The call is over: stop the send loop pacing toward a stream that is gone.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}

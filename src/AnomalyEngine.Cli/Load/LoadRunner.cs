using AnomalyEngine.Cli.Grpc;
using System.Diagnostics;
using System.Net;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// Drives a running server with <see cref="SimulatedTraffic"/> over Track (unary) or TrackStream,
/// either open-loop at a fixed rate or as fast as it answers, for a bounded time and event count.
/// </summary>
/// <remarks>
/// At a fixed rate every request has an intended send time on a fixed schedule. Latency is taken
/// from the intended time whenever the caller was held back by the server (its previous call or a
/// full stream window), so that a stall shows in the percentiles instead of silently lowering the
/// send rate (coordinated omission); otherwise from the actual send, so the client's own timer
/// slack is not billed to the server.
/// </remarks>
internal sealed class LoadRunner(LoadOptions o, TextWriter progress)
{
    private readonly LoadStats _stats = new();
    private long _eventsSent;
    private long _deadline;

    /// <summary>Runs the load and returns its figures.</summary>
    public async Task<LoadSummary> RunAsync(CancellationToken ct)
    {
        using var channel = ChannelFactory.Create(o.Target.ToString());
        var client = new ScoringService.ScoringServiceClient(channel);
        var start = Stopwatch.GetTimestamp();
        _stats.MeasureStart = start + Ticks(o.Warmup);
        _deadline = _stats.MeasureStart + Ticks(o.Duration);

        var workers = new Task[o.Concurrency];
        var slotsPer = Math.Max(1, o.Sessions / o.Concurrency);
        for (var w = 0; w < workers.Length; w++)
        {
            var traffic = new SimulatedTraffic(o.RunId, w * slotsPer, slotsPer, o.EventsPerSession, o.EventIds, o.Seed * 7919 + w);
            var worker = w;
            workers[w] = o.Mode == "stream"
                ? Task.Run(() => StreamWorkerAsync(client, traffic, slotsPer, start, worker, ct), ct)
                : Task.Run(() => UnaryWorkerAsync(client, traffic, slotsPer, start, worker, ct), ct);
        }
        using var reporter = new CancellationTokenSource();
        var report = ReportProgressAsync(start, reporter.Token);
        await Task.WhenAll(workers);
        _stats.Stop();
        await reporter.CancelAsync();
        await report;
        return _stats.Summarize(o);
    }

    private async Task UnaryWorkerAsync(ScoringService.ScoringServiceClient client, SimulatedTraffic traffic, int slots, long start, int worker, CancellationToken ct)
    {
        long previousAnswer = 0;
        for (long k = worker; ; k += o.Concurrency)
        {
            var intended = IntendedTime(start, k);
            if (!await PaceAsync(intended, ct) || !TryTake())
            {
                return;
            }
            var sent = Stopwatch.GetTimestamp();
            var from = o.Max ? sent : previousAnswer > intended ? intended : sent;
            var (request, sessions) = BuildRequest(traffic, slots);
            try
            {
                var response = await client.TrackAsync(request, cancellationToken: ct);
                previousAnswer = Stopwatch.GetTimestamp();
                _stats.RecordSuccess(from, previousAnswer, request.Events.Count, sessions, response.Verdicts);
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested)
            {
                previousAnswer = Stopwatch.GetTimestamp();
                _stats.RecordError(from, ex.Status.ToString());
            }
        }
    }

    private async Task StreamWorkerAsync(ScoringService.ScoringServiceClient client, SimulatedTraffic traffic, int slots, long start, int worker, CancellationToken ct)
    {
        using var call = client.TrackStream(cancellationToken: ct);
        using var window = new SemaphoreSlim(o.Window);
        // Responses come back in request order, so a FIFO of send times pairs them up.
        var sent = new System.Collections.Concurrent.ConcurrentQueue<(long From, int Events, int Sessions)>();
        var receiver = Task.Run(async () =>
        {
            try
            {
                await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
                {
                    var now = Stopwatch.GetTimestamp();
                    sent.TryDequeue(out var s);
                    if (response.Error is { } error)
                    {
                        _stats.RecordError(s.From, error.Code + ": " + error.Message);
                    }
                    else
                    {
                        _stats.RecordSuccess(s.From, now, s.Events, s.Sessions, response.Verdicts);
                    }
                    window.Release();
                }
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested)
            {
                _stats.RecordError(Stopwatch.GetTimestamp(), "stream failed: " + ex.Status);
            }
        }, ct);

        try
        {
            for (long k = worker; ; k += o.Concurrency)
            {
                var intended = IntendedTime(start, k);
                if (!await PaceAsync(intended, ct) || !TryTake() || receiver.IsCompleted)
                {
                    break;
                }
                var held = !window.Wait(0);
                if (held)
                {
                    await window.WaitAsync(ct);
                }
                var (request, sessions) = BuildRequest(traffic, slots);
                var now = Stopwatch.GetTimestamp();
                sent.Enqueue((o.Max || !held ? now : intended, request.Events.Count, sessions));
                await call.RequestStream.WriteAsync(request, ct);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            _stats.RecordError(Stopwatch.GetTimestamp(), "stream write failed: " + ex.Status);
        }
        catch (InvalidOperationException ex)
        {
            _stats.RecordError(Stopwatch.GetTimestamp(), "stream write failed: " + ex.Message);
        }
        // Bounded: answers still owed after the run get 30 s, then the call is abandoned.
        await Task.WhenAny(receiver, Task.Delay(TimeSpan.FromSeconds(30), ct));
    }

    private (TrackRequest Request, int Sessions) BuildRequest(SimulatedTraffic traffic, int slots)
    {
        var request = new TrackRequest();
        for (var i = 0; i < o.Batch; i++)
        {
            request.Events.Add(traffic.Next());
        }
        // Round-robin: a batch no larger than the slots has one event per session.
        var sessions = o.Batch <= slots ? o.Batch : DistinctSessions(request);
        return (request, sessions);
    }

    private static int DistinctSessions(TrackRequest request)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in request.Events)
        {
            set.Add(e.SessionId);
        }
        return set.Count;
    }

    /// <summary>Claims one request's events against the count limit and the deadline.</summary>
    private bool TryTake()
    {
        if (Stopwatch.GetTimestamp() >= _deadline)
        {
            return false;
        }
        var total = Interlocked.Add(ref _eventsSent, o.Batch);
        return o.MaxEvents <= 0 || total <= o.MaxEvents;
    }

    private long IntendedTime(long start, long k) =>
        o.Max ? 0 : start + (long)(k * o.Batch / o.Rate!.Value * Stopwatch.Frequency);

    /// <summary>Waits until the intended time; false when the run is over first.</summary>
    private async Task<bool> PaceAsync(long intended, CancellationToken ct)
    {
        if (intended >= _deadline)
        {
            return false;
        }
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), intended);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }
        return !ct.IsCancellationRequested;
    }

    private async Task ReportProgressAsync(long start, CancellationToken ct)
    {
        long last = 0;
        var lastAt = start;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
                var now = Stopwatch.GetTimestamp();
                var sent = Interlocked.Read(ref _eventsSent);
                var rate = (sent - last) / Stopwatch.GetElapsedTime(lastAt, now).TotalSeconds;
                await progress.WriteLineAsync($"  t={Stopwatch.GetElapsedTime(start, now).TotalSeconds,5:0}s  sending {rate,9:0} events/s");
                (last, lastAt) = (sent, now);
            }
        }
        catch (OperationCanceledException)
        {
            // end of run
        }
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>True when the URL points at this machine (the tool refuses anything else).</summary>
    public static bool IsLoopback(Uri target) =>
        target.IsLoopback || (IPAddress.TryParse(target.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}

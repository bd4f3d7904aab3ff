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
    private long _eventsSent;
    private long _deadline;

    /// <summary>What the run has seen so far; its callers record into it.</summary>
    public LoadStats Stats { get; } = new();

    /// <summary>Runs the load and returns its figures.</summary>
    public async Task<LoadSummary> RunAsync(CancellationToken ct)
    {
        using var channel = ChannelFactory.Create(o.Target.ToString());
        var client = new ScoringService.ScoringServiceClient(channel);
        // Subscribers are live before the first request, so every alert of the run is owed to them.
        await using var alerts = o.Subscribers > 0 ? await AlertWatch.StartAsync(o, Stats) : null;
        Stats.Alerts = alerts;
        using var track = o.Mode == "stream" ? null : TrackClient.Create(o, client);
        var start = Stopwatch.GetTimestamp();
        Stats.MeasureStart = start + Ticks(o.Warmup);
        _deadline = Stats.MeasureStart + Ticks(o.Duration);

        var slotsPer = Math.Max(1, o.Sessions / o.Concurrency);
        var traffic = new SimulatedTraffic[o.Concurrency];
        for (var w = 0; w < traffic.Length; w++)
        {
            traffic[w] = new SimulatedTraffic(o.RunId, w * slotsPer, slotsPer, o.EventsPerSession, o.EventIds, o.Seed * 7919 + w, o.AttackShare);
        }
        using var quietGc = QuietGc.Enter();
        Stats.StartGcCount();
        using var reporter = new CancellationTokenSource();
        var report = ReportProgressAsync(start, reporter.Token);
        await (track is null ? RunStreamsAsync(client, traffic, start, ct) : RunUnaryAsync(track, traffic, start, ct));
        Stats.Stop();
        await reporter.CancelAsync();
        await report;
        return Stats.Summarize(o, alerts is null ? null : await alerts.FinishAsync(TimeSpan.FromSeconds(10)));
    }

    private async Task RunUnaryAsync(TrackClient client, SimulatedTraffic[] traffic, long start, CancellationToken ct)
    {
        var callers = new UnaryCaller[traffic.Length];
        for (var w = 0; w < callers.Length; w++)
        {
            callers[w] = new UnaryCaller(client, traffic[w], this, ct);
        }
        if (o.Max)
        {
            foreach (var caller in callers)
            {
                caller.RunBackToBack();
            }
        }
        else
        {
            // One pacer thread for all callers: call k is due at its intended time and goes to caller
            // k mod concurrency, so each of N callers takes every Nth call.
            await Task.Factory.StartNew(() => Pace(callers, start, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        var running = new Task[callers.Length];
        for (var w = 0; w < callers.Length; w++)
        {
            running[w] = callers[w].Running;
        }
        await Task.WhenAll(running);
    }

    private void Pace(UnaryCaller[] callers, long start, CancellationToken ct)
    {
        for (long k = 0; ; k++)
        {
            var intended = IntendedTime(start, k);
            if (intended >= _deadline || !SleepUntil(intended, ct) || !TryTake())
            {
                return;
            }
            callers[k % callers.Length].Due(intended);
        }
    }

    /// <summary>
    /// Sleeps until <paramref name="when"/>, never waking early and usually well within a millisecond
    /// late; false when cancelled first. Not Task.Delay: it rounds a wait down to whole milliseconds and
    /// its timer queue fires in 4 ms batches here (coarse clock), which sent 2,000 calls/s as bursts
    /// of ~8 calls (docs/performance.md).
    /// </summary>
    private static bool SleepUntil(long when, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var ms = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), when).TotalMilliseconds;
            if (ms <= 0)
            {
                return true;
            }
            Thread.Sleep(Math.Max(1, (int)ms));
        }
        return false;
    }

    private Task RunStreamsAsync(ScoringService.ScoringServiceClient client, SimulatedTraffic[] traffic, long start, CancellationToken ct)
    {
        var workers = new Task[traffic.Length];
        for (var w = 0; w < workers.Length; w++)
        {
            var worker = w;
            workers[w] = Task.Run(() => StreamWorkerAsync(client, traffic[worker], start, worker, ct), ct);
        }
        return Task.WhenAll(workers);
    }

    private async Task StreamWorkerAsync(ScoringService.ScoringServiceClient client, SimulatedTraffic traffic, long start, int worker, CancellationToken ct)
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
                        Stats.RecordError(s.From, error.Code + ": " + error.Message);
                    }
                    else
                    {
                        Stats.RecordSuccess(s.From, now, s.Events, s.Sessions, response.Verdicts);
                    }
                    window.Release();
                }
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested)
            {
                Stats.RecordError(Stopwatch.GetTimestamp(), "stream failed: " + ex.Status);
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
                var (request, sessions) = BuildRequest(traffic);
                var now = Stopwatch.GetTimestamp();
                sent.Enqueue((o.Max || !held ? now : intended, request.Events.Count, sessions));
                await call.RequestStream.WriteAsync(request, ct);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            Stats.RecordError(Stopwatch.GetTimestamp(), "stream write failed: " + ex.Status);
        }
        catch (InvalidOperationException ex)
        {
            Stats.RecordError(Stopwatch.GetTimestamp(), "stream write failed: " + ex.Message);
        }
        // Bounded: answers still owed after the run get 30 s, then the call is abandoned.
        await Task.WhenAny(receiver, Task.Delay(TimeSpan.FromSeconds(30), ct));
    }

    /// <summary>The next request of <paramref name="traffic"/>, and how many sessions it touches.</summary>
    public (TrackRequest Request, int Sessions) BuildRequest(SimulatedTraffic traffic)
    {
        var request = new TrackRequest();
        for (var i = 0; i < o.Batch; i++)
        {
            request.Events.Add(traffic.Next());
        }
        // Round-robin: a batch no larger than the slots has one event per session.
        var sessions = o.Batch <= traffic.Slots ? o.Batch : DistinctSessions(request);
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
    public bool TryTake()
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

    /// <summary>Waits until the intended time of a stream's request; false when the run is over first.</summary>
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

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// What a load run saw, shared by its workers: counts and an HdrHistogram of request latency in
/// microseconds. Only requests sent after the warm-up are counted.
/// </summary>
internal sealed class LoadStats
{
    private readonly LatencyHistogram _latency = new();
    private long _requests;
    private long _events;
    private long _verdicts;
    private long _anomalous;
    private long _errors;
    private long _unscored;
    private long _measureStart;
    private long _measureEnd;
    // The load tool's own GC pauses from the first request on: they delay answers it has not read
    // yet, so they land in the latency figures although the server did nothing slower.
    private TimeSpan _gcPauseAtStart;
    private int _gcCountAtStart;

    /// <summary>Subscribers attached to the run, told of every alert a Track answer raised.</summary>
    public AlertWatch? Alerts { get; set; }

    /// <summary>First error message seen, for the report.</summary>
    public string? FirstError { get; private set; }

    /// <summary>Stopwatch timestamp at which measuring starts (end of warm-up).</summary>
    public long MeasureStart { get => Volatile.Read(ref _measureStart); set => Volatile.Write(ref _measureStart, value); }

    /// <summary>Starts counting the load tool's own GC pauses (the traffic is built, requests begin).</summary>
    public void StartGcCount() => (_gcPauseAtStart, _gcCountAtStart) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));

    /// <summary>Marks the end of the measured period.</summary>
    public void Stop() => _measureEnd = Stopwatch.GetTimestamp();

    /// <summary>Records an answered request sent at <paramref name="sentAt"/> (an intended send time under a rate, which counts queueing on the client too).</summary>
    public void RecordSuccess(long sentAt, long answeredAt, int events, int sessions, IReadOnlyList<Verdict> verdicts)
    {
        if (Alerts is { } alerts)
        {
            // Warm-up alerts too: their deliveries must be recognised, though they are not timed.
            for (var i = 0; i < verdicts.Count; i++)
            {
                if (verdicts[i].AlertCursor.Length > 0)
                {
                    alerts.Raised(verdicts[i].AlertCursor, sentAt);
                }
            }
        }
        if (sentAt < MeasureStart)
        {
            return;
        }
        var anomalous = 0;
        for (var i = 0; i < verdicts.Count; i++)
        {
            anomalous += verdicts[i].Anomalous ? 1 : 0;
        }
        Interlocked.Add(ref _anomalous, anomalous);
        _latency.Record(sentAt, answeredAt);
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _events, events);
        Interlocked.Add(ref _verdicts, verdicts.Count);
        if (verdicts.Count != sessions)
        {
            // Every session of a batch must come back with a verdict, else an event went unscored.
            Interlocked.Add(ref _unscored, Math.Abs(sessions - verdicts.Count));
        }
    }

    /// <summary>Records a failed request.</summary>
    public void RecordError(long sentAt, string message)
    {
        FirstError ??= message;
        if (sentAt >= MeasureStart)
        {
            Interlocked.Increment(ref _errors);
        }
    }

    /// <summary>The run's figures.</summary>
    public LoadSummary Summarize(LoadOptions o, AlertSummary? alerts)
    {
        var seconds = Stopwatch.GetElapsedTime(MeasureStart, _measureEnd == 0 ? Stopwatch.GetTimestamp() : _measureEnd).TotalSeconds;
        return new LoadSummary(
            o.Mode, o.ClientUsed, o.Max ? "max" : o.Rate!.Value.ToString(CultureInfo.InvariantCulture), o.Batch, o.Concurrency, o.Sessions,
            Math.Round(seconds, 2), _requests, _events, Math.Round(seconds > 0 ? _events / seconds : 0, 1),
            _latency.Ms(50), _latency.Ms(90), _latency.Ms(99), _latency.Ms(99.9), _latency.MaxMs,
            _errors, _unscored, _verdicts, _anomalous, FirstError,
            Math.Round((GC.GetTotalPauseDuration() - _gcPauseAtStart).TotalMilliseconds, 1), GC.CollectionCount(0) - _gcCountAtStart, alerts);
    }
}

/// <summary>The figures of one load run; <see cref="ToJson"/> is the machine-readable line scripts parse.</summary>
internal sealed record LoadSummary(
    string Mode, string Client, string Rate, int Batch, int Concurrency, int Sessions, double Seconds,
    long Requests, long Events, double EventsPerSecond,
    double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs,
    long Errors, long Unscored, long Verdicts, long Anomalous, string? FirstError,
    double LoadGcPauseMs, int LoadGcCount, AlertSummary? Alerts)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>One-line JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

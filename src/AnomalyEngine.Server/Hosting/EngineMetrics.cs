using System.Diagnostics.Metrics;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring;

namespace AnomalyEngine.Server.Hosting;

/// <summary>
/// What an on-call engineer watches, as .NET metrics on the meter <c>AnomalyEngine</c> (read them
/// with <c>dotnet-counters monitor -n AnomalyEngine.Server --counters AnomalyEngine</c>, or export
/// them with OpenTelemetry). Tagged by tenant, whose ids are configuration, never request data.
/// Each instrument costs nothing measurable while nobody listens.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "AnomalyEngine";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Counter<long> _anomalous;
    private readonly Counter<long> _alerts;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _rejected;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>, and follows the model's reloads.</summary>
    public EngineMetrics(IMeterFactory meters, ModelHost models)
    {
        _meter = meters.Create(MeterName);
        _events = _meter.CreateCounter<long>("anomalyengine.events", "{event}", "Events applied to live sessions and scored");
        _anomalous = _meter.CreateCounter<long>("anomalyengine.verdicts.anomalous", "{verdict}", "Verdicts at or above the alert threshold, by severity");
        _alerts = _meter.CreateCounter<long>("anomalyengine.alerts", "{alert}", "Alerts appended to the durable feed (after deduplication)");
        _rateLimited = _meter.CreateCounter<long>("anomalyengine.rate_limited.events", "{event}", "Events refused with RESOURCE_EXHAUSTED");
        _rejected = _meter.CreateCounter<long>("anomalyengine.auth.rejected", "{call}", "Calls refused for a missing or unknown key, or a missing right");
        _meter.CreateObservableGauge("anomalyengine.model.info", () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", models.Manifest.Version)),
            "{model}", "1, tagged with the version of the model bundle in force");
        var reloads = _meter.CreateCounter<long>("anomalyengine.model.reloads", "{reload}", "Model bundle reloads, applied or refused (the old model then stays)");
        models.Reloaded += _ => reloads.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
        models.ReloadRefused += _ => reloads.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));
    }

    /// <summary>A session's events were applied and scored.</summary>
    public void Scored(string tenant, int events, Verdict verdict)
    {
        _events.Add(events, new KeyValuePair<string, object?>("tenant", tenant));
        if (verdict.Anomalous)
        {
            _anomalous.Add(1, new("tenant", tenant), new("severity", SeverityName(verdict.Severity)));
        }
    }

    /// <summary>An alert was appended to the feed.</summary>
    public void AlertRaised(string tenant) => _alerts.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    /// <summary>A batch was refused by the tenant's rate limit.</summary>
    public void RateLimited(string tenant, int events) => _rateLimited.Add(events, new KeyValuePair<string, object?>("tenant", tenant));

    /// <summary>A call was refused by authentication (<paramref name="status"/>: unauthenticated or permission_denied).</summary>
    public void Rejected(string status) => _rejected.Add(1, new KeyValuePair<string, object?>("status", status));

    private static string SeverityName(Severity severity) => severity switch
    {
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        Severity.Critical => "critical",
        _ => "none",
    };

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}

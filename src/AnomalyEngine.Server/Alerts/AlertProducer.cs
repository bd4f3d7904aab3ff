using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.State.Alerts;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using V1 = AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// Turns an anomalous verdict into a durable alert (or nothing, when the dedup rule says it is a
/// repeat). Called by the scoring engine before the Track call returns, so an alert a caller was told
/// about (Verdict.alert_cursor) is already in Redis.
/// </summary>
public sealed class AlertProducer(AlertLog log, AlertHub hub, IOptions<AlertOptions> options, TimeProvider time, EngineMetrics metrics)
{
    // Null with re-alerting on: then the script's decision depends on time, not only on severity.
    private readonly SuppressionMemory? _suppressed = options.Value.ReAlertInterval > TimeSpan.Zero
        ? null
        : new SuppressionMemory((long)Math.Min(log.DedupWindow.TotalMilliseconds / 4, 30_000));

    /// <summary>Raises an alert for an anomalous verdict; returns its cursor, or null when deduplicated.</summary>
    public async Task<string?> RaiseAsync(string tenant, Verdict verdict, SessionEvent trigger)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var severity = (int)verdict.Severity;
        if (_suppressed?.CertainlySuppressed(tenant, verdict.SessionId, severity, now) == true)
        {
            return null;
        }
        // Persisted shape: the public, versioned Alert message without cursor (assigned by the log).
        var alert = new V1.Alert
        {
            Time = now,
            SessionId = verdict.SessionId,
            UserId = verdict.UserId ?? "",
            Verdict = ProtoMapper.ToProto(verdict),
            Trigger = ProtoMapper.ToProto(trigger),
        };
        var partition = log.PartitionOf(verdict.SessionId);
        var body = alert.ToByteArray();
        var seq = await log.AppendAsync(tenant, partition, verdict.SessionId, severity, now, body);
        _suppressed?.Learned(tenant, verdict.SessionId, severity, now);
        if (seq == 0)
        {
            return null;
        }
        metrics.AlertRaised(tenant);
        // The record as the log now holds it: this process's subscribers take it without reading it back.
        hub.HandOver(tenant, new AlertRecord(partition, seq, now, body));
        log.PublishWake(tenant, partition, seq);
        return AlertCursor.ForAlert(partition, seq, log.Partitions);
    }

    /// <summary>Decodes a stored record into the wire alert (cursor left for the reader to set).</summary>
    public static V1.Alert Decode(AlertRecord record, int partitions)
    {
        var alert = V1.Alert.Parser.ParseFrom(record.Body.Span);
        alert.Time = record.Time;
        alert.Verdict ??= new V1.Verdict();
        alert.Verdict.AlertCursor = AlertCursor.ForAlert(record.Partition, record.Seq, partitions);
        return alert;
    }
}

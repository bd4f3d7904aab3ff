using System.ComponentModel.DataAnnotations;
using AnomalyEngine.Core.Settings;

namespace AnomalyEngine.State.Alerts;

/// <summary>The alert feed: partitions, retention, dedup and subscriber limits (section <c>Alerts</c>).</summary>
public sealed class AlertOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Alerts";

    /// <summary>
    /// Partitions of each tenant's feed. 1 keeps a tenant's feed in one cluster slot (total order);
    /// more spreads a tenant's alert writes over slots (order then holds per session, cursors are vectors).
    /// Changing it invalidates existing cursors.
    /// </summary>
    [Range(1, 64)]
    public int Partitions { get; set; } = 1;

    /// <summary>Records kept per partition; the oldest are trimmed on append.</summary>
    [Range(1, 100_000_000)]
    public int MaxRecords { get; set; } = 100_000;

    /// <summary>Records older than this are trimmed on append.</summary>
    [TimeSpanRange("00:00:01", "365.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A session that stays anomalous at the same (or a lower) severity raises a new alert after this
    /// long. Zero: never; only an escalation raises a new alert.
    /// </summary>
    [TimeSpanRange("00:00:00", "30.00:00:00")]
    public TimeSpan ReAlertInterval { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long a session's last alerted severity is remembered after it was last seen anomalous.
    /// The store uses at least the session inactivity timeout, so a live session is never forgotten.
    /// </summary>
    [TimeSpanRange("00:00:01", "30.00:00:00")]
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Alerts buffered per subscriber between the feed reader and the stream writer (see
    /// <see cref="SubscriberStallTimeout"/> for when a full buffer ends the subscriber).
    /// </summary>
    [Range(1, 1_000_000)]
    public int SubscriberBuffer { get; set; } = 1024;

    /// <summary>
    /// A subscriber whose buffer stays full this long (it reads nothing while alerts wait) is too far
    /// behind and is ended with RESOURCE_EXHAUSTED. A subscriber that keeps reading, even while replaying a
    /// long backlog, is never ended: the log in Redis is its backlog, not server memory.
    /// </summary>
    [TimeSpanRange("00:00:00.010", "01:00:00")]
    public TimeSpan SubscriberStallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Records read from the store per round trip.</summary>
    [Range(1, 10_000)]
    public int ReadBatch { get; set; } = 256;

    /// <summary>
    /// A subscriber re-reads the feed at least this often even without a wake-up, so a pub/sub message
    /// lost in a reconnect delays an alert by at most this long instead of stalling the stream.
    /// </summary>
    [TimeSpanRange("00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

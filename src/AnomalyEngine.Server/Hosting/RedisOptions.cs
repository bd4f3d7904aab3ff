namespace AnomalyEngine.Server.Hosting;

/// <summary>Where live state and alerts are kept (section <c>Redis</c>).</summary>
public sealed class RedisOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string (e.g. <c>redis1:6379,redis2:6379,password=…,ssl=true</c>).
    /// Empty: start an embedded, non-durable Garnet server on 127.0.0.1.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Port of the embedded Garnet server; 0 picks a free one.</summary>
    public int EmbeddedPort { get; set; }

    /// <summary>
    /// How long connecting may take (StackExchange.Redis connectTimeout) unless the configuration
    /// string sets <c>connectTimeout=</c>. Short, so a dead store is reported within a call's deadline.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a command may wait for its reply (syncTimeout and asyncTimeout) unless the string sets
    /// them. It bounds a slow or silently vanished store; 2 s leaves room for a burst queued on one
    /// connection (1000 concurrent calls on a busy 2-core machine took over 1 s to drain).
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// While the connection is down, fail commands at once (UNAVAILABLE) instead of queueing them until
    /// <see cref="CommandTimeout"/>: callers learn of an outage immediately and retry with backoff.
    /// </summary>
    public bool FailFastWhenDisconnected { get; set; } = true;
}

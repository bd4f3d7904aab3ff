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
}

using AnomalyEngine.State.Embedded;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.Server.Hosting;

/// <summary>
/// Owns the process's one <see cref="IConnectionMultiplexer"/>, and the embedded Garnet server
/// when no Redis is configured. Both paths talk RESP through StackExchange.Redis.
/// </summary>
public sealed class StoreConnection : IDisposable
{
    private readonly EmbeddedGarnet? _embedded;

    /// <summary>Connects to the configured Redis, or starts embedded Garnet and connects to it.</summary>
    public StoreConnection(IOptions<RedisOptions> options, ILogger<StoreConnection> logger)
    {
        var configuration = options.Value.Configuration;
        if (string.IsNullOrWhiteSpace(configuration))
        {
            _embedded = EmbeddedGarnet.Start(options.Value.EmbeddedPort);
            configuration = _embedded.ConnectionString;
            Log.EmbeddedStoreStarted(logger, _embedded.Port);
        }
        else
        {
            Log.ExternalStore(logger);
        }
        // Never log `configuration`: it may carry password= and user=.
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        ApplyTimeouts(config, configuration, options.Value);
        Multiplexer = ConnectionMultiplexer.Connect(config);
        IsEmbedded = _embedded is not null;
    }

    /// <summary>The shared multiplexer.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>True when the store is the in-process Garnet server.</summary>
    public bool IsEmbedded { get; }

    /// <summary>
    /// Bounds every store call to about a second (commands queued while disconnected time out too), so
    /// a call fails with UNAVAILABLE inside its deadline instead of hanging; an explicit setting in the
    /// configuration string wins.
    /// </summary>
    private static void ApplyTimeouts(ConfigurationOptions config, string raw, RedisOptions options)
    {
        static bool Has(string raw, string key) => raw.Contains(key + "=", StringComparison.OrdinalIgnoreCase);
        if (!Has(raw, "connectTimeout"))
        {
            config.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        }
        if (!Has(raw, "syncTimeout"))
        {
            config.SyncTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        }
        if (!Has(raw, "asyncTimeout"))
        {
            config.AsyncTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        }
        if (options.FailFastWhenDisconnected)
        {
            config.BacklogPolicy = BacklogPolicy.FailFast;
        }
        // Reconnect soon after the store returns (0.5 s, backing off to at most 5 s), not after the
        // longer default back-off: clients are failing with UNAVAILABLE meanwhile.
        config.ReconnectRetryPolicy = new ExponentialRetry(500, 5000);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Multiplexer.Dispose();
        _embedded?.Dispose();
    }
}

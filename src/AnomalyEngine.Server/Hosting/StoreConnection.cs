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
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        Multiplexer = ConnectionMultiplexer.Connect(config);
        IsEmbedded = _embedded is not null;
    }

    /// <summary>The shared multiplexer.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>True when the store is the in-process Garnet server.</summary>
    public bool IsEmbedded { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Multiplexer.Dispose();
        _embedded?.Dispose();
    }
}

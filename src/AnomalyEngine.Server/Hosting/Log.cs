namespace AnomalyEngine.Server.Hosting;

/// <summary>Source-generated log messages of the server (no interpolation, no event data, no secrets).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "No Redis configured: started embedded Garnet on 127.0.0.1:{Port}. State and alerts are in memory only and NOT durable; set Redis:Configuration for production.")]
    public static partial void EmbeddedStoreStarted(ILogger logger, int port);

    [LoggerMessage(2, LogLevel.Information, "Using the configured Redis for live state and alerts.")]
    public static partial void ExternalStore(ILogger logger);
}

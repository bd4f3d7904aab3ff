namespace AnomalyEngine.Server.Hosting;

/// <summary>Alert feed log messages (ids 200-219), kept beside the alert code to avoid edit clashes.</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Information, "Alert hub subscribed to the wake-up channel.")]
    public static partial void AlertHubSubscribed(ILogger logger);

    [LoggerMessage(201, LogLevel.Information, "Alert subscriber of tenant {Tenant} started.")]
    public static partial void SubscriberStarted(ILogger logger, string tenant);

    [LoggerMessage(202, LogLevel.Warning, "Alert subscriber of tenant {Tenant} fell {Buffer} alerts behind and was ended.")]
    public static partial void SubscriberLagging(ILogger logger, string tenant, int buffer);

    [LoggerMessage(203, LogLevel.Warning, "Alert subscriber of tenant {Tenant} ended: the store failed.")]
    public static partial void SubscriberStoreFailed(ILogger logger, string tenant, Exception exception);

    [LoggerMessage(204, LogLevel.Information, "Alert subscriber of tenant {Tenant} ended after {Delivered} alerts.")]
    public static partial void SubscriberEnded(ILogger logger, string tenant, long delivered);
}

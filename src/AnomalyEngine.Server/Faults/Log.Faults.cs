namespace AnomalyEngine.Server.Hosting;

/// <summary>Fault log messages: method names and exception types only, never payloads or connection strings.</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Warning, "{Method} failed: the store is unavailable ({ExceptionType}).")]
    public static partial void StoreUnavailable(ILogger logger, string method, string exceptionType);

    // The exception's message is left out on purpose: it may quote request data. Type and stack suffice to find the bug.
    [LoggerMessage(201, LogLevel.Error, "{Method} failed with an unexpected {ExceptionType}; answered INTERNAL. Stack: {StackTrace}")]
    public static partial void Unexpected(ILogger logger, string method, string exceptionType, string? stackTrace);

    [LoggerMessage(202, LogLevel.Information, "Stopping: ending open streams with UNAVAILABLE so clients resume elsewhere.")]
    public static partial void ShutdownBegins(ILogger logger);
}

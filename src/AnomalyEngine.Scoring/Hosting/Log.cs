using Microsoft.Extensions.Logging;

namespace AnomalyEngine.Scoring;

/// <summary>Source-generated log messages of the scoring project.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Loaded model bundle {Version} from {Path} (threshold {Threshold}, target FPR {TargetFpr})")]
    public static partial void BundleLoaded(ILogger logger, string version, string path, double threshold, double targetFpr);

    [LoggerMessage(2, LogLevel.Error, "Model reload refused, keeping {Version}: {Reason}")]
    public static partial void ReloadRefused(ILogger logger, string version, string reason);

    [LoggerMessage(3, LogLevel.Information, "Watching {Path} for model changes")]
    public static partial void Watching(ILogger logger, string path);

    [LoggerMessage(4, LogLevel.Warning, "Model watcher error on {Path}")]
    public static partial void WatcherError(ILogger logger, string path, Exception exception);
}

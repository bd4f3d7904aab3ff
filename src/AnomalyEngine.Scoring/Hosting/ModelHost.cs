using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring.Bundles;
using Microsoft.Extensions.Logging;

namespace AnomalyEngine.Scoring;

/// <summary>
/// Holds the live model: loads the bundle at start, swaps it atomically on <see cref="Reload"/> or
/// when manifest.json changes (FileSystemWatcher, debounced). A broken bundle or one built for
/// another feature schema is refused and the current model stays. In-flight scoring keeps the
/// scorer it read, so a swap never changes a verdict half way.
/// </summary>
public sealed class ModelHost : IDisposable
{
    /// <summary>Quiet period after the last file event before a reload: bundles are several files.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(500);

    private readonly ILogger<ModelHost> _logger;
    private readonly object _reloadLock = new();
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer? _debounceTimer;
    private volatile LoadedBundle _current;
    private volatile string _bundlePath;
    private bool _disposed;

    /// <summary>Loads the bundle at <see cref="ModelHostOptions.BundlePath"/>; throws <see cref="ModelLoadException"/> if it cannot.</summary>
    public ModelHost(ModelHostOptions options, ILogger<ModelHost> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _bundlePath = Path.GetFullPath(options.BundlePath);
        _current = ModelBundle.Load(_bundlePath);
        Log.BundleLoaded(_logger, _current.Manifest.Version, _bundlePath, _current.Manifest.AlertThreshold, _current.Manifest.TargetFpr);
        if (options.WatchForChanges)
        {
            _debounceTimer = new Timer(_ => OnDebounced(), null, Timeout.Infinite, Timeout.Infinite);
            _watcher = new FileSystemWatcher(_bundlePath)
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.Error += (_, e) => Log.WatcherError(_logger, _bundlePath, e.GetException());
            _watcher.EnableRaisingEvents = true;
            Log.Watching(_logger, _bundlePath);
        }
    }

    /// <summary>The current scorer; read it once per request and use that instance throughout.</summary>
    public ISessionScorer Scorer => _current.Scorer;

    /// <summary>The current manifest.</summary>
    public ModelManifest Manifest => _current.Manifest;

    /// <summary>The folder the current bundle came from.</summary>
    public string BundlePath => _bundlePath;

    /// <summary>Raised after a successful swap, with the new manifest.</summary>
    public event Action<ModelManifest>? Reloaded;

    /// <summary>Raised when a bundle is refused (the old model stays), with the reason.</summary>
    public event Action<string>? ReloadRefused;

    /// <summary>
    /// Loads the bundle at <paramref name="path"/> (default: the current folder) and swaps it in.
    /// Throws <see cref="ModelLoadException"/> naming the file when it is broken or its feature
    /// schema differs; the old model then stays.
    /// </summary>
    public ModelManifest Reload(string? path = null)
    {
        lock (_reloadLock)
        {
            var target = path is null ? _bundlePath : Path.GetFullPath(path);
            LoadedBundle next;
            try
            {
                next = ModelBundle.Load(target);
            }
            catch (ModelLoadException ex)
            {
                Log.ReloadRefused(_logger, _current.Manifest.Version, ex.Message);
                ReloadRefused?.Invoke(ex.Message);
                throw;
            }
            if (next.Manifest.FeatureSchemaHash != _current.Manifest.FeatureSchemaHash)
            {
                var message = $"{Path.Combine(target, ModelBundle.ManifestFile)}: feature schema hash {next.Manifest.FeatureSchemaHash} differs from the live model's {_current.Manifest.FeatureSchemaHash}";
                Log.ReloadRefused(_logger, _current.Manifest.Version, message);
                ReloadRefused?.Invoke(message);
                throw new ModelLoadException(message);
            }
            _current = next;
            if (_watcher is not null && !string.Equals(_bundlePath, target, StringComparison.Ordinal))
            {
                // Follow the bundle: later changes to the new folder reload, the old folder is let go.
                _watcher.Path = target;
            }
            _bundlePath = target;
            Log.BundleLoaded(_logger, next.Manifest.Version, target, next.Manifest.AlertThreshold, next.Manifest.TargetFpr);
            Reloaded?.Invoke(next.Manifest);
            return next.Manifest;
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        // Only the manifest signals a complete bundle (the trainer writes it last, by rename).
        if (string.Equals(Path.GetFileName(e.FullPath), ModelBundle.ManifestFile, StringComparison.Ordinal))
        {
            _debounceTimer?.Change(Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDebounced()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            Reload();
        }
        catch (ModelLoadException)
        {
            // Already logged by Reload; the old model stays.
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _watcher?.Dispose();
        _debounceTimer?.Dispose();
    }
}

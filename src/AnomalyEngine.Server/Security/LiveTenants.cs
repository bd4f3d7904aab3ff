using System.Text.Json;
using AnomalyEngine.Server.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// The tenants, key hashes, rights and rate limits in force, reloaded without a restart whenever the
/// configuration reloads (an edited <c>appsettings.json</c>, or the watched <see cref="AuthOptions.KeysFile"/>),
/// so a leaked key can be revoked at once. A reload that fails validation changes nothing and is logged.
/// <see cref="AuthOptions.Enabled"/> and <see cref="AuthOptions.AllowInsecure"/> stay as they were at start.
/// Streams opened with a key that a reload removes are ended (see <see cref="RevocationToken"/>).
/// </summary>
public sealed class LiveTenants : IDisposable
{
    private readonly AuthOptions _start;
    private readonly IConfiguration? _configuration;
    private readonly IValidateOptions<AuthOptions>? _validator;
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CancellationTokenSource> _revocations = new(StringComparer.Ordinal);
    private volatile TenantTable _current;

    /// <summary>Starts from the validated start options and follows configuration reloads.</summary>
    public LiveTenants(IOptions<AuthOptions> start, IConfiguration configuration, IValidateOptions<AuthOptions> validator, ILogger<LiveTenants> logger)
    {
        _start = start.Value;
        _configuration = configuration;
        _validator = validator;
        _logger = logger;
        _current = TenantTable.From(_start, version: 1);
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    private LiveTenants(AuthOptions fixedOptions)
    {
        _start = fixedOptions;
        _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _current = TenantTable.From(fixedOptions, version: 1);
    }

    /// <summary>Tenants that never reload (tests of the components that read them).</summary>
    public static LiveTenants Fixed(AuthOptions options) => new(options);

    /// <summary>The table in force: read it once per call and use that one snapshot.</summary>
    public TenantTable Current => _current;

    /// <summary>Why the latest reload was refused, or null when it applied (or none happened).</summary>
    public string? LastReloadError { get; private set; }

    /// <summary>
    /// A token cancelled when a reload removes the key with this hash; already cancelled when the
    /// key is not in force any more (it was removed between the call's check and now).
    /// </summary>
    public CancellationToken RevocationToken(byte[] keyHash)
    {
        var hex = Convert.ToHexString(keyHash);
        lock (_gate)
        {
            if (!_current.HasKey(keyHash))
            {
                return new CancellationToken(canceled: true);
            }
            if (!_revocations.TryGetValue(hex, out var cts))
            {
                cts = new CancellationTokenSource();
                _revocations[hex] = cts;
            }
            return cts.Token;
        }
    }

    /// <summary>Re-reads the Auth section; applies it when valid, else keeps the table in force.</summary>
    public void Reload()
    {
        if (_configuration is null || _validator is null)
        {
            return;
        }
        var next = new AuthOptions();
        string? error = null;
        try
        {
            _configuration.GetSection(AuthOptions.SectionName).Bind(next);
            error = KeysFileError(next.KeysFile);
        }
        catch (InvalidOperationException ex)
        {
            error = $"a value of the Auth section cannot be read ({ex.GetType().Name})"; // never echo values
        }
        if (error is null)
        {
            if (next.Enabled != _start.Enabled || next.AllowInsecure != _start.AllowInsecure)
            {
                Log.AuthModeNeedsRestart(_logger);
            }
            next.Enabled = _start.Enabled;
            next.AllowInsecure = _start.AllowInsecure;
            var result = _validator.Validate(Options.DefaultName, next);
            error = result.Failed ? result.FailureMessage : null;
        }
        if (error is not null)
        {
            LastReloadError = error;
            Log.AuthReloadRefused(_logger, error);
            return;
        }
        LastReloadError = null;
        List<CancellationTokenSource> revoked = [];
        TenantTable table;
        lock (_gate)
        {
            if (_current.SameAs(next))
            {
                return; // Another setting reloaded, or a second notice of one write.
            }
            table = TenantTable.From(next, _current.Version + 1);
            foreach (var (hex, cts) in _revocations)
            {
                if (!table.HasKey(Convert.FromHexString(hex)))
                {
                    revoked.Add(cts);
                    _revocations.Remove(hex);
                }
            }
            _current = table;
        }
        Log.AuthReloaded(_logger, table.Tenants.Count, table.KeyCount, revoked.Count);
        foreach (var cts in revoked)
        {
            cts.Cancel();
            cts.Dispose();
        }
    }

    // The file's provider clears its data when the file is unreadable or gone; applying that would
    // revoke every key it held, so such a reload is refused here instead.
    private static string? KeysFileError(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return $"Auth:KeysFile {path}: {(ex is JsonException ? "not valid JSON" : "cannot be read")} ({ex.GetType().Name})";
        }
    }

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();
}

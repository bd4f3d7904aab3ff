using AnomalyEngine.Server.Faults;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>Registration of authentication, limits and fault handling (called by the composition root).</summary>
public static class HardeningExtensions
{
    /// <summary>
    /// Binds Auth, Limits and Resilience options and installs <see cref="EngineCallInterceptor"/>: fault
    /// mapping, authentication and rate limiting, in that order.
    /// </summary>
    public static IServiceCollection AddAnomalyEngineHardening(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddOptions<LimitsOptions>().Bind(configuration.GetSection(LimitsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TlsOptions>().Bind(configuration.GetSection(TlsOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IConfigureOptions<KestrelServerOptions>, ClientCertificateTrust>();
        services.AddOptions<ResilienceOptions>().Bind(configuration.GetSection(ResilienceOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<ShutdownSignal>();
        services.AddSingleton<LiveTenants>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<ReplicaCensus>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaCensus>());
        services.AddSingleton<TenantRateLimiter>();
        services.AddSingleton<FaultPolicy>();
        services.AddSingleton<CallAuthenticator>();
        services.AddSingleton<RateLimitGate>();
        services.AddSingleton<EngineCallInterceptor>();

        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<LimitsOptions>>((grpc, limits) =>
        {
            grpc.MaxReceiveMessageSize = limits.Value.MaxReceiveMessageBytes;
            grpc.Interceptors.Add<EngineCallInterceptor>();
        });
        services.AddOptions<HostOptions>().Configure<IOptions<ResilienceOptions>>((host, r) => host.ShutdownTimeout = r.Value.ShutdownTimeout);
        services.AddOptions<HealthCheckPublisherOptions>().Configure<IOptions<ResilienceOptions>>((publisher, r) =>
        {
            // Watch streams and the cached health are only as fresh as the publisher's period.
            publisher.Delay = TimeSpan.FromSeconds(1);
            publisher.Period = r.Value.HealthCheckPeriod;
            publisher.Timeout = r.Value.HealthCheckTimeout + TimeSpan.FromSeconds(1);
        });
        return services;
    }

    /// <summary>
    /// Adds <see cref="AuthOptions.KeysFile"/>, when configured, as the last configuration source,
    /// polled for changes. Call before the options are bound.
    /// </summary>
    public static IConfigurationBuilder AddAuthKeysFile(this IConfigurationManager configuration)
    {
        var path = configuration[$"{AuthOptions.SectionName}:{nameof(AuthOptions.KeysFile)}"];
        if (string.IsNullOrEmpty(path))
        {
            return configuration;
        }
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Auth:KeysFile {full} does not exist", full);
        }
        // Polling rather than inotify: a Kubernetes secret volume swaps a symlink, which a watcher misses.
        var provider = new PhysicalFileProvider(Path.GetDirectoryName(full)!) { UsePollingFileWatcher = true, UseActivePolling = true };
        var loaded = false;
        configuration.AddJsonFile(source =>
        {
            source.FileProvider = provider;
            source.Path = Path.GetFileName(full);
            source.ReloadOnChange = true;
            // A broken file at start stops the start; on a reload the provider must not throw (its
            // reload would end there, unseen): LiveTenants refuses that reload and logs why.
            source.OnLoadException = context => context.Ignore = loaded;
        });
        loaded = true; // The manager loaded the file while adding it.
        return configuration;
    }

    /// <summary>Logs the authentication mode and announces shutdown to open streams.</summary>
    public static WebApplication UseAnomalyEngineHardening(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AnomalyEngine.Security");
        if (auth.Enabled)
        {
            Log.AuthEnabled(logger, auth.Tenants.Count);
        }
        else
        {
            Log.AuthDisabled(logger);
        }
        var shutdown = app.Services.GetRequiredService<ShutdownSignal>();
        shutdown.Stopping.Register(() => Log.ShutdownBegins(logger));
        return app;
    }
}

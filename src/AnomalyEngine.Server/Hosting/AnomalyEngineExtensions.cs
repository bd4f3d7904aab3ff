using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring;
using AnomalyEngine.Server.Alerts;
using AnomalyEngine.Server.Engine;
using AnomalyEngine.Server.Faults;
using AnomalyEngine.Server.Security;
using AnomalyEngine.Server.Services;
using AnomalyEngine.State.Alerts;
using AnomalyEngine.State.Labels;
using AnomalyEngine.State.Sessions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace AnomalyEngine.Server.Hosting;

/// <summary>The composition root: everything the server registers and maps.</summary>
public static class AnomalyEngineExtensions
{
    /// <summary>Registers options, the store, the scoring engine and the gRPC services.</summary>
    public static WebApplicationBuilder AddAnomalyEngine(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddAuthKeysFile();
        var services = builder.Services;
        services.AddOptions<RedisOptions>().Bind(builder.Configuration.GetSection(RedisOptions.SectionName)).ValidateOnStart();
        services.AddOptions<SessionStoreOptions>().Bind(builder.Configuration.GetSection(SessionStoreOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AlertOptions>().Bind(builder.Configuration.GetSection(AlertOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<EngineMetrics>();
        // Metrics leave the process over OTLP when a collector is named, with the OpenTelemetry
        // variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_METRIC_EXPORT_INTERVAL…).
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("anomaly-engine"))
                .WithMetrics(m => m
                    .AddMeter(EngineMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                    .AddOtlpExporter());
        }
        services.AddSingleton<StoreConnection>();
        services.AddSingleton(sp => sp.GetRequiredService<StoreConnection>().Multiplexer);
        services.AddSingleton<RedisSessionStore>();
        services.AddSingleton<UserHistoryStore>();
        services.AddSingleton<LabelStore>();
        services.AddSingleton(sp => CreateModelHost(sp, builder));
        services.AddSingleton<ISessionScorerSource, ModelScorerSource>();
        services.AddSingleton<AlertLog>();
        services.AddSingleton<AlertProducer>();
        services.AddSingleton<AlertHub>();
        services.AddSingleton<SessionScoringEngine>();

        services.AddGrpc(o => o.EnableDetailedErrors = false);
        // Authentication, tenant rate limits, max message size (Limits), fault mapping, shutdown signal.
        services.AddAnomalyEngineHardening(builder.Configuration);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks()
            .AddCheck<StoreHealthCheck>("store")
            .AddCheck<ShutdownHealthCheck>("shutdown");
        return builder;
    }

    /// <summary>Maps the gRPC services, health and reflection.</summary>
    public static WebApplication MapAnomalyEngine(this WebApplication app)
    {
        // Refuse an unsafe security configuration before touching the store.
        app.UseAnomalyEngineHardening();
        // Load the model and connect (or start embedded Garnet) at start-up, not on the first call:
        // a missing or broken bundle stops the server here with a message naming the file.
        app.Services.GetRequiredService<ModelHost>();
        app.Services.GetRequiredService<StoreConnection>();
        app.MapGrpcService<ScoringGrpcService>();
        app.MapGrpcService<AlertGrpcService>();
        app.MapGrpcService<ModelGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>The model host, with a relative bundle path taken from the server's content root.</summary>
    private static ModelHost CreateModelHost(IServiceProvider sp, WebApplicationBuilder builder)
    {
        var options = new ModelHostOptions();
        builder.Configuration.GetSection(ModelHostOptions.SectionName).Bind(options);
        options.BundlePath = Path.GetFullPath(options.BundlePath, builder.Environment.ContentRootPath);
        return new ModelHost(options, sp.GetRequiredService<ILogger<ModelHost>>());
    }
}

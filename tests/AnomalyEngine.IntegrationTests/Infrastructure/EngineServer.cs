using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Server.Hosting;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AnomalyEngine.IntegrationTests.Infrastructure;

/// <summary>
/// A real AnomalyEngine server on Kestrel, HTTP/2 on a free loopback port, built with the same
/// composition root as Program.cs, plus a real gRPC client channel to it.
/// </summary>
public sealed class EngineServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private EngineServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        Channel = GrpcChannel.ForAddress(address);
        Scoring = new ScoringService.ScoringServiceClient(Channel);
        Models = new ModelService.ModelServiceClient(Channel);
        Alerts = new AlertService.AlertServiceClient(Channel);
    }

    /// <summary>The server's http:// address.</summary>
    public Uri Address { get; }

    /// <summary>A channel to the server.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Scoring client.</summary>
    public ScoringService.ScoringServiceClient Scoring { get; }

    /// <summary>Model client.</summary>
    public ModelService.ModelServiceClient Models { get; }

    /// <summary>Alert client.</summary>
    public AlertService.AlertServiceClient Alerts { get; }

    /// <summary>The server's services (for options and stores in assertions).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a server against the store under test, with extra configuration and, optionally,
    /// service replacements applied after the composition root (for fault injection).
    /// </summary>
    public static async Task<EngineServer> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = TestStore.Configuration,
            ["Model:BundlePath"] = RepoPaths.DefaultModel,
            ["Model:WatchForChanges"] = "false",
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.AddAnomalyEngine();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapAnomalyEngine();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EngineServer(app, new Uri(address));
    }

    /// <summary>Stops the server as SIGTERM would (graceful: in-flight calls may finish); the channel stays.</summary>
    public Task StopAsync() => _app.StopAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Idempotent: a test may stop the server mid-test (restart scenarios) inside an await using.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

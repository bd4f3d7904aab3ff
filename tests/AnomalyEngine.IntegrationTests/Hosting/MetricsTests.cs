using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.Server.Hosting;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Hosting;

/// <summary>
/// The meter <c>AnomalyEngine</c> counts what the server did: events scored, anomalous verdicts,
/// alerts, rate-limited events and refused calls, read here as a metrics exporter would.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task The_engine_meter_counts_events_verdicts_alerts_limits_and_refusals()
    {
        await using var server = await EngineServer.StartAsync(AuthSettings(
            ("Auth:Tenants:acme:EventsPerSecond", "0.0001"),
            ("Auth:Tenants:acme:Burst", "9")));
        using var recorded = new Recorder(server);

        var normal = TestStore.SessionId("metrics-normal");
        var first = await server.Scoring.TrackAsync(Batch(View(normal, "/", T0), View(normal, "/products", T0 + 4000)), Bearer(KeyA));
        var attack = await server.Scoring.TrackAsync(FailedLogins(TestStore.SessionId("metrics-attack"), count: 6), Bearer(KeyA));
        Assert.True(attack.Verdicts.Single().Anomalous);
        var anomalous = first.Verdicts.Concat(attack.Verdicts).Count(v => v.Anomalous);
        var alerts = first.Verdicts.Concat(attack.Verdicts).Count(v => v.AlertCursor != "");
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(View(normal, "/cart", T0 + 9000), View(normal, "/x", T0 + 9500)), Bearer(KeyA)));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        await Assert.ThrowsAsync<RpcException>(async () => await server.Scoring.TrackAsync(Batch(View(normal, "/", T0)), Bearer("not-a-key")));

        Assert.Equal(8, recorded.Sum("anomalyengine.events", ("tenant", "acme")));
        Assert.Equal(anomalous, recorded.Sum("anomalyengine.verdicts.anomalous", ("tenant", "acme")));
        Assert.Equal(alerts, recorded.Sum("anomalyengine.alerts", ("tenant", "acme")));
        Assert.Equal(2, recorded.Sum("anomalyengine.rate_limited.events", ("tenant", "acme")));
        Assert.Equal(1, recorded.Sum("anomalyengine.auth.rejected", ("status", "unauthenticated")));
    }

    [Fact]
    public async Task The_engine_meter_tells_the_model_in_force_and_counts_its_reloads()
    {
        await using var server = await EngineServer.StartAsync(AuthSettings());
        using var recorded = new Recorder(server);
        var version = (await server.Models.GetModelInfoAsync(new GetModelInfoRequest(), Bearer(KeyOps))).Version;

        await server.Models.ReloadModelAsync(new ReloadModelRequest(), Bearer(KeyOps));
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.Models.ReloadModelAsync(new ReloadModelRequest { Path = "no-such-bundle" }, Bearer(KeyOps)));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);

        Assert.Equal(1, recorded.Sum("anomalyengine.model.reloads", ("outcome", "applied")));
        Assert.Equal(1, recorded.Sum("anomalyengine.model.reloads", ("outcome", "refused")));
        recorded.Observe();
        Assert.Equal(1, recorded.Sum("anomalyengine.model.info", ("version", version)));
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_the_metrics_reach_the_collector()
    {
        using var collector = new OtlpReceiver();
        await using var server = await EngineServer.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        var s = TestStore.SessionId("otlp");
        await server.Scoring.TrackAsync(Batch(View(s, "/", T0), View(s, "/catalog", T0 + 3000)));

        // The export is protobuf; the instrument's name travels as plain UTF-8 inside it.
        var body = await collector.WaitForAsync("anomalyengine.events", TimeSpan.FromSeconds(30));
        Assert.Contains("anomaly-engine", body); // service.name
    }

    /// <summary>A stand-in OpenTelemetry collector: records the bodies POSTed to /v1/metrics.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly System.Net.HttpListener _http = new();
        private readonly ConcurrentQueue<string> _bodies = new();
        private readonly Task _loop;

        public OtlpReceiver()
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Endpoint = $"http://127.0.0.1:{port}";
            _http.Prefixes.Add(Endpoint + "/");
            _http.Start();
            _loop = Task.Run(async () =>
            {
                while (_http.IsListening)
                {
                    System.Net.HttpListenerContext context;
                    try
                    {
                        context = await _http.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is System.Net.HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    using var copy = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(copy);
                    if (context.Request.Url?.AbsolutePath == "/v1/metrics")
                    {
                        _bodies.Enqueue(System.Text.Encoding.UTF8.GetString(copy.ToArray()));
                    }
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
            });
        }

        public string Endpoint { get; }

        public async Task<string> WaitForAsync(string text, TimeSpan timeout)
        {
            string? found = null;
            await Poll.UntilAsync(() => (found = _bodies.FirstOrDefault(b => b.Contains(text, StringComparison.Ordinal))) is not null, timeout, $"an OTLP export holding {text}");
            return found!;
        }

        public void Dispose()
        {
            _http.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Listens to this server's meter only: other tests' servers in the process have their own.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentBag<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

        public Recorder(EngineServer server)
        {
            var factory = server.Services.GetRequiredService<IMeterFactory>();
            server.Services.GetRequiredService<EngineMetrics>(); // the instruments exist from here on
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EngineMetrics.MeterName && instrument.Meter.Scope == factory)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Add((instrument.Name, value, tags.ToArray())));
            _listener.Start();
        }

        /// <summary>Takes one reading of the observable instruments (gauges), as an exporter does per export.</summary>
        public void Observe() => _listener.RecordObservableInstruments();

        public long Sum(string instrument, (string Key, string Value) tag) =>
            _measurements.Where(m => m.Instrument == instrument && m.Tags.Any(t => t.Key == tag.Key && Equals(t.Value, tag.Value))).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }
}

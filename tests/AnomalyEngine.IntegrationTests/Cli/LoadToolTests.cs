using System.Diagnostics;
using System.Text.Json;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.IntegrationTests.Security;

namespace AnomalyEngine.IntegrationTests.Cli;

/// <summary>
/// <c>anomaly-engine load</c> run as a user runs it, against a live server: with subscribers attached
/// it reports how long alerts took to reach them and checks that every alert reached every one.
/// </summary>
public sealed class LoadToolTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task With_subscribers_and_attack_sessions_it_reports_alert_latency_and_every_alert_delivered()
    {
        var (exit, stdout, stderr) = await RunCliAsync(
            "load", "--target", _server.Address.ToString(), "--mode", "unary", "--rate", "400", "--concurrency", "4",
            "--sessions", "100", "--warmup", "1", "--duration", "4", "--attack-share", "0.5", "--subscribers", "2",
            "--run-id", "lt" + Guid.NewGuid().ToString("N")[..8]);

        Assert.True(exit == 0, stdout + stderr);
        var result = LoadResult(exit, stdout, stderr);
        Assert.Equal(0, result.GetProperty("errors").GetInt64());
        var alerts = result.GetProperty("alerts");
        var raised = alerts.GetProperty("raised").GetInt64();
        Assert.True(raised > 0, "attack sessions raised no alert: " + result);
        Assert.Equal(2, alerts.GetProperty("subscribers").GetInt32());
        Assert.Equal(2 * raised, alerts.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, alerts.GetProperty("missed").GetInt64());
        Assert.True(alerts.GetProperty("p50_ms").GetDouble() > 0);
        Assert.True(alerts.GetProperty("p99_ms").GetDouble() >= alerts.GetProperty("p50_ms").GetDouble());
    }

    [Fact]
    public async Task The_lean_client_and_Grpc_Net_Client_get_the_same_verdicts_for_the_same_traffic()
    {
        // Same seed and session layout, fresh sessions each: the verdicts depend only on the events.
        var lean = await RunLoadAsync(_server, "lean", "--attack-share", "0.3");
        var grpc = await RunLoadAsync(_server, "grpc", "--attack-share", "0.3");

        foreach (var r in new[] { lean, grpc })
        {
            Assert.Equal(0, r.GetProperty("errors").GetInt64());
            Assert.Equal(0, r.GetProperty("unscored").GetInt64());
            Assert.Equal(r.GetProperty("events").GetInt64(), r.GetProperty("verdicts").GetInt64());
        }
        Assert.Equal("lean", lean.GetProperty("client").GetString());
        Assert.Equal("grpc", grpc.GetProperty("client").GetString());
        Assert.Equal(grpc.GetProperty("events").GetInt64(), lean.GetProperty("events").GetInt64());
        Assert.True(lean.GetProperty("anomalous").GetInt64() > 0, "the attack sessions raised no anomalous verdict");
        Assert.Equal(grpc.GetProperty("anomalous").GetInt64(), lean.GetProperty("anomalous").GetInt64());
    }

    [Fact]
    public async Task The_lean_client_splits_large_requests_into_frames_and_waits_for_the_servers_flow_control_window()
    {
        // 16 calls of 1,000 events (~110 KB each) in flight: each request spans several 16 KB DATA
        // frames, and together they exceed the server's 1 MB connection window, so DATA must wait
        // for its WINDOW_UPDATEs. The store takes them one script at a time: on a loaded machine the
        // last call waits longer than the default 2 s command timeout, which this test is not about.
        await using var server = await EngineServer.StartAsync(new Dictionary<string, string?> { ["Redis:CommandTimeout"] = "00:00:30" });
        var (exit, stdout, stderr) = await RunCliAsync(
            "load", "--target", server.Address.ToString(), "--mode", "unary", "--client", "lean", "--max", "--batch", "1000",
            "--concurrency", "16", "--sessions", "16000", "--events", "32000", "--warmup", "0", "--duration", "60",
            "--run-id", "lb" + Guid.NewGuid().ToString("N")[..8]);

        Assert.True(exit == 0, stdout + stderr);
        var result = LoadResult(exit, stdout, stderr);
        Assert.True(result.GetProperty("errors").GetInt64() == 0, result.ToString());
        Assert.Equal(0, result.GetProperty("unscored").GetInt64());
        Assert.Equal(32000, result.GetProperty("events").GetInt64());
        Assert.Equal(32000, result.GetProperty("verdicts").GetInt64());
    }

    [Fact]
    public async Task The_lean_client_sends_the_api_key_and_reports_the_servers_status_codes()
    {
        await using var server = await EngineServer.StartAsync(Tenants.AuthSettings());

        var withKey = await RunLoadAsync(server, "lean", environment: (ChannelFactoryApiKeyVariable, Tenants.KeyA));
        var withoutKey = await RunLoadAsync(server, "lean");

        Assert.Equal(0, withKey.GetProperty("errors").GetInt64());
        Assert.True(withKey.GetProperty("verdicts").GetInt64() > 0);
        Assert.Equal(0, withoutKey.GetProperty("verdicts").GetInt64());
        Assert.True(withoutKey.GetProperty("errors").GetInt64() > 0);
        Assert.Contains("Unauthenticated", withoutKey.GetProperty("first_error").GetString());
    }

    [Fact]
    public async Task The_lean_client_names_a_target_it_cannot_reach()
    {
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var (exit, _, stderr) = await RunCliAsync("load", "--target", $"http://127.0.0.1:{port}", "--mode", "unary", "--rate", "10", "--duration", "1");

        Assert.Equal(1, exit);
        Assert.Contains($"cannot connect to http://127.0.0.1:{port}", stderr);
    }

    [Fact]
    public async Task The_lean_client_says_when_the_target_is_not_an_http2_server()
    {
        // An HTTP/1.1 server: it answers the HTTP/2 preface with a 400 and closes.
        using var http1 = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        http1.Start();
        var port = ((System.Net.IPEndPoint)http1.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var client = await http1.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"u8.ToArray());
        });

        var (exit, _, stderr) = await RunCliAsync("load", "--target", $"http://127.0.0.1:{port}", "--mode", "unary", "--rate", "10", "--duration", "1");
        await serve;

        Assert.Equal(1, exit);
        Assert.Contains($"127.0.0.1:{port} did not answer as a plaintext HTTP/2 (h2c) server", stderr);
    }

    [Theory]
    [InlineData("--subscribers", "65", "--subscribers")]
    [InlineData("--attack-share", "1.5", "--attack-share")]
    public async Task Out_of_range_options_are_refused_naming_the_option(string option, string value, string named)
    {
        var (exit, _, stderr) = await RunCliAsync("load", "--target", _server.Address.ToString(), "--rate", "10", "--duration", "1", option, value);

        Assert.Equal(2, exit);
        Assert.Contains(named, stderr);
    }

    private const string ChannelFactoryApiKeyVariable = "AE_API_KEY";

    // A short fixed-rate unary run with a fixed seed; returns its LOAD_RESULT.
    private static async Task<JsonElement> RunLoadAsync(EngineServer server, string client, params string[] extra) =>
        await RunLoadAsync(server, client, null, extra);

    private static async Task<JsonElement> RunLoadAsync(EngineServer server, string client, (string Name, string Value)? environment, params string[] extra)
    {
        string[] args =
        [
            "load", "--target", server.Address.ToString(), "--mode", "unary", "--client", client, "--rate", "300", "--concurrency", "4",
            "--sessions", "40", "--warmup", "0", "--duration", "2", "--events", "400", "--seed", "5", "--run-id", "lc" + Guid.NewGuid().ToString("N")[..8], .. extra,
        ];
        var (exit, stdout, stderr) = await RunCliAsync(environment, args);
        return LoadResult(exit, stdout, stderr);
    }

    // The run's one LOAD_RESULT line, parsed.
    private static JsonElement LoadResult(int exit, string stdout, string stderr)
    {
        var line = stdout.Split('\n').SingleOrDefault(l => l.StartsWith("LOAD_RESULT ", StringComparison.Ordinal));
        Assert.True(line is not null, $"exit {exit}: {stdout}{stderr}");
        return JsonDocument.Parse(line["LOAD_RESULT ".Length..]).RootElement.Clone();
    }

    private static Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(params string[] args) => RunCliAsync(null, args);

    // The CLI of this build: tests are built after it (a ProjectReference) and in the same configuration.
    private static async Task<(int Exit, string Stdout, string Stderr)> RunCliAsync((string Name, string Value)? environment, params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepoPaths.Root, "src", "AnomalyEngine.Cli", "bin", configuration, "net10.0", "anomaly-engine.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove(ChannelFactoryApiKeyVariable);
        if (environment is { } e)
        {
            start.Environment[e.Name] = e.Value;
        }
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(guard.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

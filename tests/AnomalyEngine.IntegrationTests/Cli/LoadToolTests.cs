using System.Diagnostics;
using System.Text.Json;
using AnomalyEngine.IntegrationTests.Infrastructure;

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
        var line = stdout.Split('\n').Single(l => l.StartsWith("LOAD_RESULT ", StringComparison.Ordinal));
        var result = JsonDocument.Parse(line["LOAD_RESULT ".Length..]).RootElement;
        Assert.Equal(0, result.GetProperty("errors").GetInt64());
        var alerts = result.GetProperty("alerts");
        var raised = alerts.GetProperty("raised").GetInt64();
        Assert.True(raised > 0, "attack sessions raised no alert: " + line);
        Assert.Equal(2, alerts.GetProperty("subscribers").GetInt32());
        Assert.Equal(2 * raised, alerts.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, alerts.GetProperty("missed").GetInt64());
        Assert.True(alerts.GetProperty("p50_ms").GetDouble() > 0);
        Assert.True(alerts.GetProperty("p99_ms").GetDouble() >= alerts.GetProperty("p50_ms").GetDouble());
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

    // The CLI of this build: tests are built after it (a ProjectReference) and in the same configuration.
    private static async Task<(int Exit, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var dll = Path.Combine(RepoPaths.Root, "src", "AnomalyEngine.Cli", "bin", configuration, "net10.0", "anomaly-engine.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
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

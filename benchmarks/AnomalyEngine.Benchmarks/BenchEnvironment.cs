using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AnomalyEngine.Cli.Load;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.State.Embedded;

namespace AnomalyEngine.Benchmarks;

/// <summary>Stores and realistic inputs shared by the benchmark classes.</summary>
internal static class BenchEnvironment
{
    /// <summary>
    /// <paramref name="count"/> events of simulated normal sessions (the load tool's generator) over
    /// <paramref name="sessions"/> concurrent slots, as core events; sessions have their simulated
    /// lengths, or exactly <paramref name="eventsPerSession"/> events when it is positive.
    /// </summary>
    public static List<SessionEvent> Events(int sessions, int count, int eventsPerSession = 0, int seed = 1)
    {
        var traffic = new SimulatedTraffic("bench", 0, sessions, eventsPerSession, eventIds: true, seed);
        var list = new List<SessionEvent>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(ProtoMapper.ToCore(traffic.Next()));
        }
        return list;
    }
}

/// <summary>
/// A store to benchmark against: embedded Garnet, or a real Redis — the one named by
/// AE_BENCH_REDIS (host:port), else a redis-server started here on a free port and stopped on dispose.
/// </summary>
internal sealed class BenchStore : IDisposable
{
    private readonly EmbeddedGarnet? _garnet;
    private readonly Process? _redis;

    private BenchStore(string configuration, string description, EmbeddedGarnet? garnet = null, Process? redis = null)
    {
        Configuration = configuration;
        Description = description;
        _garnet = garnet;
        _redis = redis;
    }

    /// <summary>StackExchange.Redis configuration string.</summary>
    public string Configuration { get; }

    /// <summary>What it is, for the output.</summary>
    public string Description { get; }

    /// <summary>Starts (or names) the store of that kind: "garnet" or "redis".</summary>
    public static BenchStore Start(string kind)
    {
        if (kind == "garnet")
        {
            var g = EmbeddedGarnet.Start();
            return new BenchStore(g.ConnectionString, "embedded Garnet on port " + g.Port, garnet: g);
        }
        if (Environment.GetEnvironmentVariable("AE_BENCH_REDIS") is { Length: > 0 } external)
        {
            return new BenchStore(external, "redis at " + external + " (AE_BENCH_REDIS)");
        }
        var port = LoopbackPort.Free();
        var psi = new ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start (is it installed? apt-get install redis-server)");
        process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        WaitForPort(port);
        return new BenchStore($"127.0.0.1:{port}", $"redis-server (pid {process.Id}) on port {port}", redis: process);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _garnet?.Dispose();
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit(5000);
        }
        _redis?.Dispose();
    }


    private static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AnomalyEngine.State.Embedded;

namespace AnomalyEngine.IntegrationTests.Faults;

/// <summary>
/// A redis-server this test owns: its own free loopback port and temp folder, AOF with fsync on every
/// write (so what it acknowledged survives a kill), stoppable, pausable and restartable on the same port.
/// </summary>
public sealed class RedisServerProcess : IDisposable
{
    private Process? _process;

    private readonly string[] _extraArgs;

    private RedisServerProcess(int port, string dir, string[] extraArgs)
    {
        Port = port;
        Dir = dir;
        _extraArgs = extraArgs;
    }

    /// <summary>True when redis-server is on PATH.</summary>
    public static bool IsInstalled { get; } = FindOnPath("redis-server") is not null;

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>The data folder (AOF lives here across restarts).</summary>
    public string Dir { get; }

    /// <summary>StackExchange.Redis configuration for it.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>Starts a fresh server, with extra redis-server arguments (e.g. --requirepass).</summary>
    public static async Task<RedisServerProcess> StartAsync(params string[] extraArgs)
    {
        var dir = Directory.CreateTempSubdirectory("ae-fault-redis-").FullName;
        var server = new RedisServerProcess(LoopbackPort.Free(), dir, extraArgs);
        await server.RestartAsync();
        return server;
    }

    /// <summary>(Re)starts the server on the same port and folder; returns once it answers.</summary>
    public async Task RestartAsync()
    {
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", Dir,
        })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in _extraArgs)
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            if (await RespondsAsync())
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"redis-server did not start on port {Port}");
    }

    /// <summary>Kills the server (SIGKILL: no chance to flush anything fsync did not already write).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    /// <summary>SIGSTOP / SIGCONT: the socket stays open but nothing answers, like a hung or partitioned store.</summary>
    public void Signal(string signal) =>
        Process.Start("kill", ["-" + signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <inheritdoc />
    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            Signal("CONT");
        }
        Kill();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> RespondsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            // "-LOADING" while the AOF is replayed: not ready yet. "-NOAUTH": up, and wants a password.
            return n > 0 && (buffer[0] == (byte)'+' || buffer.AsSpan(0, n).StartsWith("-NOAUTH"u8));
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }


    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

/// <summary>A fact that is skipped, saying why, when redis-server is not installed.</summary>
public sealed class RedisServerFactAttribute : FactAttribute
{
    public RedisServerFactAttribute()
    {
        if (!RedisServerProcess.IsInstalled)
        {
            Skip = "redis-server is not on PATH (apt-get install redis-server): fault injection needs a store it can kill and restart";
        }
    }
}

using Garnet;

namespace AnomalyEngine.State.Embedded;

/// <summary>
/// An in-process Garnet server on 127.0.0.1, the default store when no Redis is configured, so the
/// engine runs with one command on a fresh machine. It is not durable: state and alerts live in
/// memory only. Lua is enabled with transaction mode, without which scripts are not atomic.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>Starts a server on <paramref name="port"/>, or on a free port when it is 0.</summary>
    public static EmbeddedGarnet Start(int port = 0)
    {
        if (port == 0)
        {
            port = LoopbackPort.Free();
        }
        string[] args =
        [
            "--bind", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-q",
            "--lua", "--lua-transaction-mode",
        ];
        var server = new GarnetServer(args);
        server.Start();
        return new EmbeddedGarnet(server, port);
    }

    /// <inheritdoc />
    public void Dispose() => _server.Dispose();

}

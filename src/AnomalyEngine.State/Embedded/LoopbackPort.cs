using System.Net;
using System.Net.Sockets;

namespace AnomalyEngine.State.Embedded;

/// <summary>Free ports on 127.0.0.1, for servers started in-process or by tests and benchmarks.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on right now (the OS's choice for an ephemeral bind).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

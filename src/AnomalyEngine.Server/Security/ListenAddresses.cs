using System.Net;

namespace AnomalyEngine.Server.Security;

/// <summary>The addresses Kestrel will bind, read from configuration before it binds.</summary>
internal static class ListenAddresses
{
    /// <summary>Every URL from <c>Kestrel:Endpoints:*:Url</c>, <c>urls</c> (ASPNETCORE_URLS) and the http(s)_ports keys.</summary>
    public static List<string> FromConfiguration(IConfiguration configuration)
    {
        var result = new List<string>();
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                result.Add(url);
            }
        }
        // Kestrel ignores urls/ports when endpoints are configured; without endpoints they apply.
        if (result.Count == 0)
        {
            foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                result.Add(url);
            }
            foreach (var (key, scheme) in new[] { ("http_ports", "http"), ("https_ports", "https") })
            {
                foreach (var port in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    // ASP.NET Core binds these ports on every interface.
                    result.Add($"{scheme}://*:{port}");
                }
            }
        }
        return result;
    }

    /// <summary>True for localhost, 127.0.0.0/8, ::1 and unix sockets; false for wildcards and other hosts.</summary>
    public static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false; // Unparseable: Kestrel will fail on it; treat as exposed meanwhile.
        }
        if (address.IsNamedPipe || address.IsUnixPipe)
        {
            return true;
        }
        var host = address.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}

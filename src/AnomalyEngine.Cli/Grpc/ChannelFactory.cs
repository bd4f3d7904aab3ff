using System.Net;
using Grpc.Net.Client;

namespace AnomalyEngine.Cli.Grpc;

/// <summary>Builds the gRPC channel every client command uses to reach an AnomalyEngine server.</summary>
internal static class ChannelFactory
{
    /// <summary>
    /// A channel to <paramref name="target"/>: a URL (<c>http://host:port</c> for plaintext HTTP/2, h2c;
    /// <c>https://</c> for TLS) or a bare <c>host:port</c>, taken as plaintext.
    /// </summary>
    /// <exception cref="ArgumentException">The target is not a usable http(s) address.</exception>
    public static GrpcChannel Create(string target)
    {
        var address = Normalize(target);
        var handler = new SocketsHttpHandler
        {
            // One HTTP/2 connection caps concurrent streams at the server's limit (often 100); allow more.
            EnableMultipleHttp2Connections = true,
            // Keep idle streams (alert subscriptions, a paused replay) alive through proxies and NATs.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        // An API key option will attach credentials here (GrpcChannelOptions.Credentials / a call interceptor).
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            HttpVersion = HttpVersion.Version20,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
    }

    /// <summary>The absolute http(s) URI for <paramref name="target"/>; a bare host:port means plaintext http.</summary>
    public static Uri Normalize(string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var text = target.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{target}' is not an http:// or https:// address (e.g. http://localhost:5000).", nameof(target));
        }
        return uri;
    }
}

using System.Net;
using Grpc.Core;
using Grpc.Net.Client;

namespace AnomalyEngine.Cli.Grpc;

/// <summary>Builds the gRPC channel every client command uses to reach an AnomalyEngine server.</summary>
internal static class ChannelFactory
{
    /// <summary>Environment variable holding the API key of the caller's tenant.</summary>
    public const string ApiKeyVariable = "AE_API_KEY";

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
            // The engine is addressed directly (loopback or a load balancer); an HTTP proxy would only add a hop.
            UseProxy = false,
        };
        var options = new GrpcChannelOptions
        {
            HttpHandler = handler,
            HttpVersion = HttpVersion.Version20,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        };
        // The API key travels as `authorization: Bearer …` on every call. It comes from the environment,
        // never from a command-line flag, so it does not end up in shell history or process listings.
        if (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } apiKey)
        {
            var bearer = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + apiKey);
                return Task.CompletedTask;
            });
            options.Credentials = address.Scheme == Uri.UriSchemeHttps
                ? ChannelCredentials.Create(new SslCredentials(), bearer)
                : ChannelCredentials.Create(ChannelCredentials.Insecure, bearer);
            // Plaintext is allowed by the server on loopback only (docs/security.md).
            options.UnsafeUseInsecureChannelCallCredentials = address.Scheme == Uri.UriSchemeHttp;
        }
        return GrpcChannel.ForAddress(address, options);
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

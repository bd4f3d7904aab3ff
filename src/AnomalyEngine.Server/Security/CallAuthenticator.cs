using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace AnomalyEngine.Server.Security;

/// <summary>
/// Authenticates every engine rpc from <c>authorization: Bearer &lt;key&gt;</c> metadata and puts the
/// key's tenant where <see cref="TenantContext"/> reads it, so the tenant always comes from the
/// credential and never from the request. Deny by default: only health and reflection stay open.
/// Run for every call by <see cref="EngineCallInterceptor"/>.
/// </summary>
public sealed class CallAuthenticator(
    IOptions<AuthOptions> options,
    ApiKeyAuthenticator authenticator,
    LiveTenants tenants,
    EngineMetrics metrics,
    ILogger<CallAuthenticator> logger)
{
    /// <summary>The one rpc that needs <see cref="TenantAuthOptions.CanReloadModels"/>.</summary>
    public const string ReloadModelMethod = "/anomalyengine.v1.ModelService/ReloadModel";

    /// <summary>Health checks and reflection: load balancers and tooling call them without a key.</summary>
    public static bool IsOpen(string method) =>
        method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
        || method.StartsWith("/grpc.reflection.", StringComparison.Ordinal);

    /// <summary>
    /// Records the caller's tenant for the call; throws UNAUTHENTICATED for a missing or unknown key and
    /// PERMISSION_DENIED for a reload by a key that may not reload.
    /// </summary>
    public void Authenticate(ServerCallContext context) => Authenticate(context, out _);

    /// <summary>
    /// <see cref="Authenticate(ServerCallContext)"/> for a stream, which outlives the check: the
    /// returned token fires when a reload revokes the stream's key.
    /// </summary>
    public CancellationToken AuthenticateStream(ServerCallContext context)
    {
        Authenticate(context, out var keyHash);
        return keyHash is null ? CancellationToken.None : tenants.RevocationToken(keyHash);
    }

    /// <summary>The status a stream ends with when its key is revoked.</summary>
    public static RpcException KeyRevoked() =>
        new(new Status(StatusCode.Unauthenticated, "API key revoked: the server's keys were reloaded without it"));

    private void Authenticate(ServerCallContext context, out byte[]? keyHash)
    {
        keyHash = null;
        if (!options.Value.Enabled || IsOpen(context.Method))
        {
            return;
        }
        var header = context.RequestHeaders.GetValue("authorization");
        var key = ApiKeyAuthenticator.BearerToken(header);
        if (key.IsEmpty)
        {
            Log.AuthMissing(logger, context.Method);
            metrics.Rejected("unauthenticated");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing API key: send metadata 'authorization: Bearer <key>'"));
        }
        var tenant = authenticator.Authenticate(key, out var table, out keyHash);
        if (tenant is null)
        {
            // Neither the key nor its hash is logged.
            Log.AuthRejected(logger, context.Method);
            metrics.Rejected("unauthenticated");
            throw new RpcException(new Status(StatusCode.Unauthenticated, "invalid API key"));
        }
        if (context.Method == ReloadModelMethod && !table.Tenants[tenant].CanReloadModels)
        {
            Log.AuthForbidden(logger, context.Method, tenant);
            metrics.Rejected("permission_denied");
            throw new RpcException(new Status(StatusCode.PermissionDenied, "this key may not reload models (Auth:Tenants:{id}:CanReloadModels)"));
        }
        context.GetHttpContext().Items[TenantContext.ItemKey] = tenant;
    }
}

using Grpc.Core;

namespace AnomalyEngine.Server.Grpc;

/// <summary>
/// The tenant of a call. It comes from the caller's credential (set by authentication in the
/// HttpContext), never from the request body; without authentication every call is <c>default</c>.
/// </summary>
public static class TenantContext
{
    /// <summary>The tenant used when authentication is off.</summary>
    public const string DefaultTenant = "default";

    /// <summary>HttpContext.Items key under which authentication stores the caller's tenant.</summary>
    public const string ItemKey = "anomalyengine.tenant";

    /// <summary>The tenant of this call.</summary>
    public static string Of(ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(ItemKey, out var t) && t is string tenant ? tenant : DefaultTenant;
}

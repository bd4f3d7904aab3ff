using AnomalyEngine.Server.Security;
using Grpc.Core;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>Keys and settings for servers started with authentication on.</summary>
public static class Tenants
{
    /// <summary>Fresh random keys per test run: nothing secret is checked in.</summary>
    public static readonly string KeyA = "ka-" + Guid.NewGuid().ToString("N");
    public static readonly string KeyA2 = "ka2-" + Guid.NewGuid().ToString("N");
    public static readonly string KeyB = "kb-" + Guid.NewGuid().ToString("N");
    public static readonly string KeyOps = "ko-" + Guid.NewGuid().ToString("N");

    /// <summary>Auth on with tenants acme (two keys), globex and ops (may reload models).</summary>
    public static Dictionary<string, string?> AuthSettings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Enabled"] = "true",
            ["Auth:Tenants:acme:KeyHashes:0"] = ApiKeyHash.Compute(KeyA),
            ["Auth:Tenants:acme:KeyHashes:1"] = ApiKeyHash.Compute(KeyA2).ToUpperInvariant(),
            ["Auth:Tenants:globex:KeyHashes:0"] = ApiKeyHash.Compute(KeyB),
            ["Auth:Tenants:ops:KeyHashes:0"] = ApiKeyHash.Compute(KeyOps),
            ["Auth:Tenants:ops:CanReloadModels"] = "true",
        };
        foreach (var (k, v) in extra)
        {
            settings[k] = v;
        }
        return settings;
    }

    /// <summary>Call metadata carrying <paramref name="key"/> as a bearer token (none when null).</summary>
    public static Metadata Bearer(string? key) => key is null ? [] : new Metadata { { "authorization", "Bearer " + key } };
}

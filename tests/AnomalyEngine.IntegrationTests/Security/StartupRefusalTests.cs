using AnomalyEngine.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>Unsafe or broken security configuration stops the server before it listens.</summary>
public sealed class StartupRefusalTests
{
    public static TheoryData<string, string?, string> Refused => new()
    {
        // key, value, what the error names
        { "Auth:Tenants:" + new string('t', 65) + ":KeyHashes:0", null, "tenant ids are" },
        { "Auth:Tenants:acme:KeyHashes:0", "not-a-hash", "KeyHashes:0" },
        { "Auth:Tenants:has.dot:KeyHashes:0", new string('a', 64), "has.dot" },
        { "Auth:Tenants:globex:KeyHashes:1", null, "also a key of tenant" },
        { "Auth:Tenants:globex:KeyHashes:1", "KEY", "not a 64-digit hex" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_bad_auth_configuration_refuses_to_start(string key, string? value, string named)
    {
        var settings = AuthSettings((key, value == "KEY" ? KeyA : value ?? Server.Security.ApiKeyHash.Compute(KeyA)));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => EngineServer.StartAsync(settings));
        Assert.Contains(named, ex.Message);
        Assert.DoesNotContain(KeyA, ex.Message);
    }

    [Fact]
    public async Task Auth_on_without_any_key_refuses_to_start()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => EngineServer.StartAsync(new Dictionary<string, string?> { ["Auth:Enabled"] = "true" }));
        Assert.Contains("no tenant has a key", ex.Message);
    }

    [Fact]
    public async Task A_missing_or_broken_keys_file_refuses_to_start()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"ae-no-keys-{Guid.NewGuid():N}.json");
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => EngineServer.StartAsync(AuthSettings(("Auth:KeysFile", missing))));
        Assert.Contains(missing, ex.Message);

        var broken = Path.Combine(Path.GetTempPath(), $"ae-bad-keys-{Guid.NewGuid():N}.json");
        File.WriteAllText(broken, "{ \"Auth\": ");
        try
        {
            var bad = await Assert.ThrowsAsync<InvalidDataException>(() => EngineServer.StartAsync(AuthSettings(("Auth:KeysFile", broken))));
            Assert.Contains(Path.GetFileName(broken), bad.Message);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", "false")]
    [InlineData("http://0.0.0.0:0", "true")]
    [InlineData("http://*:0", "true")]
    public async Task Listening_beyond_loopback_without_auth_or_tls_refuses_to_start(string url, string auth)
    {
        var settings = AuthSettings(("Kestrel:Endpoints:Grpc:Url", url), ("Auth:Enabled", auth));
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => EngineServer.StartAsync(settings));
        Assert.Contains("non-loopback", ex.Message);
    }
}

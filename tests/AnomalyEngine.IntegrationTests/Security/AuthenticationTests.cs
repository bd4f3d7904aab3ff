using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>Every engine rpc needs a valid API key; health stays open; ReloadModel needs an operator key.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync(AuthSettings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Rpcs => new()
    {
        "Track", "TrackStream", "GetSession", "EndSession", "LabelSession", "ExportLabels", "GetModelInfo", "ReloadModel", "Subscribe",
    };

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task Without_a_key_every_rpc_is_UNAUTHENTICATED(string rpc)
    {
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, rpc, Bearer(null), TestStore.SessionId("nokey")));
    }

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task With_a_wrong_key_every_rpc_is_UNAUTHENTICATED(string rpc)
    {
        var wrong = KeyA + "x";
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, rpc, Bearer(wrong), TestStore.SessionId("wrongkey")));
    }

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task Another_scheme_or_an_empty_bearer_is_UNAUTHENTICATED(string rpc)
    {
        var basic = new Metadata { { "authorization", "Basic " + KeyA } };
        var empty = new Metadata { { "authorization", "Bearer " } };
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, rpc, basic, TestStore.SessionId("basic")));
        Assert.Equal(StatusCode.Unauthenticated, await RpcCalls.InvokeAsync(_server, rpc, empty, TestStore.SessionId("empty")));
    }

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task With_a_valid_key_no_rpc_is_refused_for_authentication(string rpc)
    {
        var code = await RpcCalls.InvokeAsync(_server, rpc, Bearer(KeyOps), TestStore.SessionId("valid"));
        Assert.NotEqual(StatusCode.Unauthenticated, code);
        Assert.NotEqual(StatusCode.PermissionDenied, code);
    }

    [Fact]
    public async Task Every_configured_key_of_a_tenant_works_including_an_uppercase_hash()
    {
        var s = TestStore.SessionId(nameof(Every_configured_key_of_a_tenant_works_including_an_uppercase_hash));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0)), Bearer(KeyA));
        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA2));
        Assert.Equal(1, info.Events);
    }

    [Fact]
    public async Task ReloadModel_needs_a_key_allowed_to_reload_models()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Models.ReloadModelAsync(new ReloadModelRequest(), Bearer(KeyA)));
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
    }

    [Fact]
    public async Task Health_answers_without_a_key()
    {
        var health = new Health.HealthClient(_server.Channel);
        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }
}

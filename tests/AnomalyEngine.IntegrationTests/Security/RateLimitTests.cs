using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Google.Rpc;
using AnomalyEngine.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>A tenant over its event rate gets RESOURCE_EXHAUSTED; other tenants are unaffected.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    // A refill so slow that no test could see a token come back: the assertions do not depend on timing.
    public async Task InitializeAsync() => _server = await EngineServer.StartAsync(AuthSettings(
        ("Auth:Tenants:acme:EventsPerSecond", "0.0001"),
        ("Auth:Tenants:acme:Burst", "5")));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Track_over_the_budget_is_RESOURCE_EXHAUSTED_with_a_retry_delay_and_writes_nothing()
    {
        var s = TestStore.SessionId(nameof(Track_over_the_budget_is_RESOURCE_EXHAUSTED_with_a_retry_delay_and_writes_nothing));
        await _server.Scoring.TrackAsync(Batch(View(s, "/1", T0), View(s, "/2", T0 + 1), View(s, "/3", T0 + 2)), Bearer(KeyA));

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await _server.Scoring.TrackAsync(Batch(View(s, "/4", T0 + 3), View(s, "/5", T0 + 4), View(s, "/6", T0 + 5)), Bearer(KeyA)));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.NotNull(ex.GetRpcStatus()?.GetDetail<RetryInfo>());
        Assert.Equal(3, (await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA))).Events);

        // Another tenant has its own bucket (globex is unlimited here).
        var other = await _server.Scoring.TrackAsync(Batch(View(s, "/1", T0), View(s, "/2", T0 + 1), View(s, "/3", T0 + 2)), Bearer(KeyB));
        Assert.Equal(3, other.Verdicts.Single().EventsSeen);
    }

    [Fact]
    public async Task TrackStream_over_the_budget_ends_with_RESOURCE_EXHAUSTED_after_answering_what_fit()
    {
        // Its own server: the bucket of the test above must not leak into this one.
        await using var server = await EngineServer.StartAsync(AuthSettings(
            ("Auth:Tenants:globex:EventsPerSecond", "0.0001"),
            ("Auth:Tenants:globex:Burst", "4")));
        var s = TestStore.SessionId(nameof(TrackStream_over_the_budget_ends_with_RESOURCE_EXHAUSTED_after_answering_what_fit));
        using var call = server.Scoring.TrackStream(Bearer(KeyB));
        var first = Batch(View(s, "/1", T0), View(s, "/2", T0 + 1), View(s, "/3", T0 + 2));
        first.BatchId = "b1";
        await call.RequestStream.WriteAsync(first);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal("b1", call.ResponseStream.Current.BatchId);

        await call.RequestStream.WriteAsync(Batch(View(s, "/4", T0 + 3), View(s, "/5", T0 + 4)));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(3, (await server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyB))).Events);
    }

    [Fact]
    public async Task With_cluster_wide_limits_the_replicas_of_a_deployment_share_one_budget()
    {
        var settings = AuthSettings(
            ("Auth:Tenants:acme:EventsPerSecond", "0.0001"),
            ("Auth:Tenants:acme:Burst", "6"),
            ("Limits:Scope", "Cluster"),
            ("Limits:Deployment", "rl-" + Guid.NewGuid().ToString("N")[..12]));
        await using var a = await EngineServer.StartAsync(settings);
        var b = await EngineServer.StartAsync(settings);
        await Poll.UntilAsync(() => Census(a).Replicas == 2 && Census(b).Replicas == 2, TimeSpan.FromSeconds(20), "the replicas counting each other");

        // Each replica admits half of the budget of 6, so the deployment admits 6, not 12.
        Assert.Equal(3, await AdmittedOneByOne(a));
        Assert.Equal(3, await AdmittedOneByOne(b));

        // A replica that stops leaves the census at once; the other counts itself alone.
        await b.DisposeAsync();
        await Poll.UntilAsync(() => Census(a).Replicas == 1, TimeSpan.FromSeconds(20), "the stopped replica leaving the census");
    }

    private static ReplicaCensus Census(EngineServer server) => server.Services.GetRequiredService<ReplicaCensus>();

    private static async Task<int> AdmittedOneByOne(EngineServer server)
    {
        var s = TestStore.SessionId("share");
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await server.Scoring.TrackAsync(Batch(View(s, "/p" + i, T0 + i)), Bearer(KeyA));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                return i;
            }
        }
        return 10;
    }
}

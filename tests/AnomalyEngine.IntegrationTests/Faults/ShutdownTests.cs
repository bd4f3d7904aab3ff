using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using AnomalyEngine.Server.Faults;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Faults;

/// <summary>When the server begins to stop, open streams end with UNAVAILABLE telling clients to resume, and health drains.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task An_open_stream_ends_with_UNAVAILABLE_resume_and_health_turns_NOT_SERVING()
    {
        await using var server = await EngineServer.StartAsync();
        var s = TestStore.SessionId(nameof(An_open_stream_ends_with_UNAVAILABLE_resume_and_health_turns_NOT_SERVING));
        using var call = server.Scoring.TrackStream();
        await call.RequestStream.WriteAsync(Batch(View(s, "/a", T0)));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(ShutdownSignal.ResumeMessage, ex.Status.Detail);
        var health = await new Health.HealthClient(server.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        // The batch answered before the stop is applied.
        Assert.Equal(1, (await server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s })).Events);
    }
}

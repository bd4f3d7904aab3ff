using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Scoring;

/// <summary>Session state expires after the inactivity timeout, and each event refreshes it.</summary>
public sealed class ExpiryTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await EngineServer.StartAsync(new Dictionary<string, string?> { ["Sessions:InactivityTimeout"] = "00:00:03" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    // 3 s, not less: on a loaded CI machine the session must survive from Track to the first GetSession.
    public async Task A_session_is_gone_after_its_inactivity_timeout()
    {
        var s = TestStore.SessionId(nameof(A_session_is_gone_after_its_inactivity_timeout));
        await _server.Scoring.TrackAsync(Batch(View(s, "/home", T0)));
        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });
        Assert.Equal(1, info.Events);

        // Poll (not a timing assertion): the session must disappear within a generous bound.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        StatusCode? code = null;
        while (DateTime.UtcNow < deadline && code is null)
        {
            await Task.Delay(250);
            try
            {
                await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });
            }
            catch (RpcException ex)
            {
                code = ex.StatusCode;
            }
        }
        Assert.Equal(StatusCode.NotFound, code);

        // A new event starts a fresh session rather than continuing the expired one.
        var fresh = await _server.Scoring.TrackAsync(Batch(View(s, "/home", T0 + 5000)));
        Assert.Equal(1, fresh.Verdicts.Single().EventsSeen);
    }
}

using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Scoring;

/// <summary>
/// TrackStream processes several batches at once: responses must still come back in request order,
/// and a session's batches must still apply in stream order, also when batches mix sessions.
/// </summary>
public sealed class TrackStreamPipelineTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Interleaved_batches_of_shared_sessions_apply_in_stream_order()
    {
        var prefix = TestStore.SessionId(nameof(Interleaved_batches_of_shared_sessions_apply_in_stream_order));
        var sessions = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToArray();
        var rng = new Random(11);
        var sent = new Dictionary<string, int>();
        var expectedSeen = new List<Dictionary<string, int>>();
        var requests = new List<TrackRequest>();
        var ts = T0;
        for (var b = 0; b < 300; b++)
        {
            // 1-4 events, from 1-3 of the 5 sessions, so consecutive batches keep sharing sessions.
            var request = new TrackRequest { BatchId = $"b{b}" };
            for (var e = rng.Next(1, 5); e > 0; e--)
            {
                var s = sessions[rng.Next(rng.Next(1, 4))];
                request.Events.Add(View(s, $"/p/{b}", ts += 100));
                sent[s] = sent.GetValueOrDefault(s) + 1;
            }
            expectedSeen.Add(request.Events.Select(e => e.SessionId).Distinct().ToDictionary(s => s, s => sent[s]));
            requests.Add(request);
        }

        using var call = _server.Scoring.TrackStream();
        var reader = Task.Run(async () =>
        {
            var list = new List<TrackResponse>();
            await foreach (var r in call.ResponseStream.ReadAllAsync())
            {
                list.Add(r);
            }
            return list;
        });
        foreach (var request in requests)
        {
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();
        var responses = await reader;

        Assert.Equal(requests.Select(r => r.BatchId), responses.Select(r => r.BatchId));
        for (var b = 0; b < responses.Count; b++)
        {
            // Each verdict counts exactly the session's events up to and including this batch:
            // nothing later was applied before it, nothing earlier after it.
            Assert.Equal(expectedSeen[b], responses[b].Verdicts.ToDictionary(v => v.SessionId, v => (int)v.EventsSeen));
        }
        foreach (var s in sessions.Where(sent.ContainsKey))
        {
            var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s });
            Assert.Equal(info.RecentPath.Select(p => p.Ts).Order(), info.RecentPath.Select(p => p.Ts));
            Assert.Equal(0, info.OutOfOrder);
        }
    }
}

using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>A subscriber that stops reading is ended with RESOURCE_EXHAUSTED; others and scoring carry on.</summary>
public sealed class SlowSubscriberTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await StartAsync(new Dictionary<string, string?>
    {
        // Small limits so the test needs few alerts; the stall timeout is the rule under test, not a timing assertion.
        ["Alerts:SubscriberBuffer"] = "8",
        ["Alerts:SubscriberStallTimeout"] = "00:00:01",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_stalled_subscriber_is_ended_with_RESOURCE_EXHAUSTED_and_resuming_gets_the_rest_exactly_once()
    {
        var tenant = For(_server, NewTenant());
        using var cts = new CancellationTokenSource();
        using var slow = await SubscribeAsync(tenant.Alerts, new SubscribeRequest(), cts.Token);
        using var fast = await SubscribeAsync(tenant.Alerts, new SubscribeRequest(), cts.Token);
        var prefix = Sid("slow");
        const int sessions = 3000; // far more bytes than HTTP/2 flow-control windows hold for a reader that stops

        // On a starved CI machine even the reading subscriber may stall for a second; like any client it
        // then resumes from its last cursor, so it still receives everything exactly once.
        var fastReading = ReadResumingAsync(tenant.Alerts, fast, sessions, cts.Token);
        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await tenant.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}")));
        var everything = await fastReading;
        Assert.Equal(sessions, everything.Select(a => a.SessionId).Distinct().Count());

        // Its feed has been blocked on a full buffer since early in the burst, but the server ends it
        // only once the buffer stayed full for the stall timeout (1 s). A subscriber that starts reading
        // within that second has caught up and is rightly not ended, so wait well past it first; when
        // the burst itself outlasts the timeout (the usual case) this changes nothing.
        await Task.Delay(TimeSpan.FromSeconds(5));

        // The slow subscriber now reads what reached it, then learns it was ended.
        var got = new List<Alert>();
        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            while (await slow.ResponseStream.MoveNext(guard.Token))
            {
                got.Add(slow.ResponseStream.Current);
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, ended.StatusCode);
        Assert.Contains("resume", ended.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.True(got.Count < sessions);

        // Resume from the last cursor it received: the rest, exactly once, in order.
        var resumeFrom = got.Count > 0 ? got[^1].Cursor : "";
        Assert.NotEqual("", resumeFrom);
        using var resumed = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { ResumeAfter = resumeFrom }, cts.Token);
        var rest = await ReadResumingAsync(tenant.Alerts, resumed, sessions - got.Count, cts.Token);
        Assert.Equal(everything.Select(a => a.Cursor), got.Concat(rest).Select(a => a.Cursor));
    }

    /// <summary>Reads <paramref name="count"/> alerts, resuming from the last cursor if the server ends the stream as stalled.</summary>
    private static async Task<List<Alert>> ReadResumingAsync(AlertService.AlertServiceClient client, AsyncServerStreamingCall<Alert> call, int count, CancellationToken ct)
    {
        var got = new List<Alert>();
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(ct);
        guard.CancelAfter(TimeSpan.FromSeconds(120));
        while (got.Count < count)
        {
            try
            {
                while (got.Count < count && await call.ResponseStream.MoveNext(guard.Token))
                {
                    got.Add(call.ResponseStream.Current);
                }
                if (got.Count < count)
                {
                    throw new InvalidOperationException("the stream ended early");
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && got.Count > 0)
            {
                call.Dispose();
                call = await SubscribeAsync(client, new SubscribeRequest { ResumeAfter = got[^1].Cursor }, ct);
            }
        }
        return got;
    }
}

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
        ["Alerts:SubscriberStallTimeout"] = "00:00:00.300",
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

        var fastReading = ReadAsync(fast, sessions);
        await Parallel.ForEachAsync(Enumerable.Range(0, sessions), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await tenant.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}")));
        var everything = await fastReading;
        Assert.Equal(sessions, everything.Select(a => a.SessionId).Distinct().Count());

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
        var rest = await ReadAsync(resumed, sessions - got.Count);
        Assert.Equal(everything.Select(a => a.Cursor), got.Concat(rest).Select(a => a.Cursor));
    }
}

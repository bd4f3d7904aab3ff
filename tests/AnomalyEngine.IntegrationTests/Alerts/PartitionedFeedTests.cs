using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Alerts.AlertTestKit;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>A feed split over three partitions (cluster slots): vector cursors, per-partition order, exact resume.</summary>
public sealed class PartitionedFeedTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await StartAsync(new Dictionary<string, string?> { ["Alerts:Partitions"] = "3" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Resuming_with_a_vector_cursor_delivers_exactly_the_rest_in_order_per_partition()
    {
        var tenant = For(_server, NewTenant());
        var prefix = Sid("part");
        const int sessions = 60;
        var ids = new List<string>();
        for (var i = 0; i < sessions; i++)
        {
            var r = await tenant.Scoring.TrackAsync(FailedLogins($"{prefix}-{i}"));
            ids.Add(r.Verdicts[0].AlertCursor);
        }
        // Track reports alert ids "v1:p<partition>@<seq>"; they are not resume positions.
        Assert.All(ids, id => Assert.Matches(@"^v1:p[0-2]@\d+$", id));
        Assert.True(ids.Select(Partition).Distinct().Count() > 1, "60 sessions should spread over partitions");

        using var cts = new CancellationTokenSource();
        using var all = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { FromOldest = true }, cts.Token);
        var first = await ReadAsync(all, sessions);
        Assert.Equal(ids.Order(StringComparer.Ordinal), first.Select(a => a.Verdict.AlertCursor).Order(StringComparer.Ordinal));
        Assert.All(first, a => Assert.Matches(@"^v1:\d+\.\d+\.\d+$", a.Cursor));
        AssertOrderedPerPartition(first);

        using var resumed = await SubscribeAsync(tenant.Alerts, new SubscribeRequest { ResumeAfter = first[19].Cursor }, cts.Token);
        var marker = prefix + "-marker";
        await tenant.Scoring.TrackAsync(FailedLogins(marker));
        // No total order across partitions: the marker may overtake another partition's backlog, so read
        // by count (the rest plus the marker) rather than until the marker.
        var rest = await ReadAsync(resumed, sessions - 20 + 1);
        Assert.Equal(
            first.Skip(20).Select(a => a.SessionId).Append(marker).Order(StringComparer.Ordinal),
            rest.Select(a => a.SessionId).Order(StringComparer.Ordinal));
        AssertOrderedPerPartition(first.Take(20).Concat(rest).ToList());

        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = tenant.Alerts.Subscribe(new SubscribeRequest { ResumeAfter = ids[0] });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    private static int Partition(string alertId) => alertId[4] - '0';

    private static void AssertOrderedPerPartition(List<Alert> alerts)
    {
        foreach (var group in alerts.GroupBy(a => Partition(a.Verdict.AlertCursor)))
        {
            var seqs = group.Select(a => long.Parse(a.Verdict.AlertCursor.AsSpan(a.Verdict.AlertCursor.IndexOf('@') + 1), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        }
    }
}

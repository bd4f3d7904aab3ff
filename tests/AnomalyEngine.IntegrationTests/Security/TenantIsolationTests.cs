using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>The tenant comes from the key: another tenant's sessions and labels do not exist for a caller.</summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync(AuthSettings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_session_of_tenant_A_is_NOT_FOUND_for_tenant_B()
    {
        var s = TestStore.SessionId(nameof(A_session_of_tenant_A_is_NOT_FOUND_for_tenant_B));
        await _server.Scoring.TrackAsync(Batch(View(s, "/home", T0), Action(s, "login", T0 + 10, false)), Bearer(KeyA));

        var get = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyB)));
        var end = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.EndSessionAsync(new EndSessionRequest { SessionId = s }, Bearer(KeyB)));

        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Equal(StatusCode.NotFound, end.StatusCode);
        // B's EndSession did not delete A's session.
        var info = await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA));
        Assert.Equal(2, info.Events);
    }

    [Fact]
    public async Task The_same_session_id_in_two_tenants_keeps_separate_counts()
    {
        var s = TestStore.SessionId(nameof(The_same_session_id_in_two_tenants_keeps_separate_counts));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0), View(s, "/b", T0 + 1), View(s, "/c", T0 + 2)), Bearer(KeyA));
        var b = await _server.Scoring.TrackAsync(Batch(View(s, "/x", T0)), Bearer(KeyB));

        Assert.Equal(1, b.Verdicts.Single().EventsSeen);
        Assert.Equal(3, (await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA))).Events);
        Assert.Equal(1, (await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyB))).Events);

        var endB = await _server.Scoring.EndSessionAsync(new EndSessionRequest { SessionId = s }, Bearer(KeyB));
        Assert.Equal(1, endB.Verdict.EventsSeen);
        Assert.Equal(3, (await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = s }, Bearer(KeyA))).Events);
    }

    [Fact]
    public async Task An_event_id_seen_by_one_tenant_is_not_a_duplicate_for_another()
    {
        var s = TestStore.SessionId(nameof(An_event_id_seen_by_one_tenant_is_not_a_duplicate_for_another));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0, eventId: "e1")), Bearer(KeyA));
        var b = await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0, eventId: "e1")), Bearer(KeyB));
        Assert.Equal(1, b.Verdicts.Single().EventsSeen);
    }

    [Fact]
    public async Task Labels_go_to_the_callers_tenant_and_exports_show_only_its_own()
    {
        var s = TestStore.SessionId(nameof(Labels_go_to_the_callers_tenant_and_exports_show_only_its_own));
        await _server.Scoring.TrackAsync(Batch(View(s, "/a", T0)), Bearer(KeyA));
        // B labels A's session id: it can only ever label a session of its own name, in its own tenant.
        await _server.Models.LabelSessionAsync(new LabelSessionRequest { SessionId = s, Anomalous = true, Note = "from B" }, Bearer(KeyB));

        var seenByA = await ExportAsync(KeyA);
        var seenByB = await ExportAsync(KeyB);

        Assert.DoesNotContain(seenByA, l => l.SessionId == s);
        Assert.Contains(seenByB, l => l.SessionId == s && l.Note == "from B");
    }

    private async Task<List<SessionLabel>> ExportAsync(string key)
    {
        var labels = new List<SessionLabel>();
        using var call = _server.Models.ExportLabels(new ExportLabelsRequest(), Bearer(key));
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            labels.Add(call.ResponseStream.Current);
        }
        return labels;
    }
}

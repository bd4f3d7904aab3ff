using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;

namespace AnomalyEngine.IntegrationTests.Scoring;

/// <summary>Every input rule: INVALID_ARGUMENT naming the field and index, and nothing of the batch written.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> Rules => new()
    {
        { "missing_session_id", "events[1].session_id" },
        { "missing_name", "events[1].name" },
        { "unknown_kind", "events[1].kind" },
        { "name_too_long", "events[1].name" },
        { "control_char_in_name", "events[1].name" },
        { "session_id_too_long", "events[1].session_id" },
        { "too_many_attributes", "events[1].attributes" },
        { "attribute_too_large", "events[1].attributes" },
        { "ts_far_future", "events[1].ts" },
        { "ts_before_2000", "events[1].ts" },
        { "negative_duration", "events[1].duration_ms" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task A_bad_event_rejects_the_whole_batch_naming_the_field(string rule, string field)
    {
        var good = TestStore.SessionId("bad-" + rule);
        var bad = View(good + "-other", "/x", T0);
        Break(bad, rule);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.TrackAsync(Batch(View(good, "/home", T0), bad)));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains(field, ex.Status.Detail);
        var details = ex.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(details);
        Assert.Contains(details.FieldViolations, v => v.Field == field);
        await AssertNotWritten(good);
    }

    [Fact]
    public async Task A_batch_over_the_limit_is_rejected_and_nothing_is_written()
    {
        var s = TestStore.SessionId(nameof(A_batch_over_the_limit_is_rejected_and_nothing_is_written));
        var events = Enumerable.Range(0, 1001).Select(i => View(s, "/p", T0 + i)).ToArray();

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.TrackAsync(Batch(events)));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("events", ex.Status.Detail);
        await AssertNotWritten(s);
    }

    [Fact]
    public async Task An_empty_batch_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.TrackAsync(new TrackRequest()));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public async Task GetSession_and_EndSession_require_a_session_id()
    {
        var get = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.GetSessionAsync(new GetSessionRequest()));
        var end = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.EndSessionAsync(new EndSessionRequest()));
        Assert.Equal(StatusCode.InvalidArgument, get.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, end.StatusCode);
        Assert.Contains("session_id", get.Status.Detail);
    }

    private async Task AssertNotWritten(string session)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = session }));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    private static void Break(Event e, string rule)
    {
        switch (rule)
        {
            case "missing_session_id": e.SessionId = ""; break;
            case "missing_name": e.Name = ""; break;
            case "unknown_kind": e.Kind = EventKind.Unspecified; break;
            case "name_too_long": e.Name = "/" + new string('a', 300); break;
            case "control_char_in_name": e.Name = "/a\tb"; break;
            case "session_id_too_long": e.SessionId = new string('s', 200); break;
            case "too_many_attributes":
                for (var i = 0; i < 17; i++)
                {
                    e.Attributes[$"k{i}"] = "v";
                }
                break;
            case "attribute_too_large": e.Attributes["ip"] = new string('9', 300); break;
            case "ts_far_future": e.Ts = DateTimeOffset.UtcNow.AddDays(3).ToUnixTimeMilliseconds(); break;
            case "ts_before_2000": e.Ts = 10_000; break;
            case "negative_duration": e.DurationMs = -5; break;
            default: throw new ArgumentOutOfRangeException(nameof(rule), rule, null);
        }
    }
}

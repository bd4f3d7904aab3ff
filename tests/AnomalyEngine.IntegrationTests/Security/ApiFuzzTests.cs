using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.IntegrationTests.Infrastructure;
using CsCheck;
using Google.Rpc;
using Grpc.Core;
using static AnomalyEngine.IntegrationTests.Security.Tenants;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>
/// Over 10,000 generated malformed and extreme requests against a real server with authentication on:
/// no INTERNAL or UNKNOWN, the server stays up, every INVALID_ARGUMENT names its fields
/// (google.rpc.BadRequest on unary calls, BatchError violations on TrackStream). CsCheck prints the
/// seed and a shrunk request when a case fails.
/// </summary>
public sealed class ApiFuzzTests : IAsyncLifetime
{
    private const int UnaryCalls = 4_000;
    private const int Streams = 30;
    private const int BatchesPerStream = 200;

    private static readonly long T0 = Events.T0;

    private EngineServer _server = null!;
    private int _requests;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync(AuthSettings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>One generated unary call.</summary>
    public sealed record Call(string Rpc, string? Key, TrackRequest Track, string SessionId, string Class, string Note);

    private static readonly Gen<string> Text = Gen.Frequency(
        (2, Gen.Const("")),
        (5, Gen.Char['a', 'z'].Array[1, 12].Select(a => new string(a))),
        // Any UTF-16 unit: controls, lone surrogates (sent as U+FFFD), private use.
        (2, Gen.Char.Array[0, 24].Select(a => new string(a))),
        // Around and beyond the byte limits (64, 128, 256, 1024).
        (1, Gen.Int[60, 1100].Select(n => new string('n', n))),
        // Multi-byte text: few characters, many bytes.
        (1, Gen.Int[10, 150].Select(n => string.Concat(Enumerable.Repeat("é😀", n)))),
        (1, Gen.OneOf("\0", "\t", "\r\n", "\u202e", "..", "../../etc/passwd", "ae:{x:y}:st", "}{", "%s%n", "' OR 1=1 --", " ", "\u00a0", "default")));

    private static readonly Gen<long> Ts = Gen.Frequency(
        (6, Gen.Long[T0 - 3_600_000, T0 + 3_600_000]),
        (1, Gen.OneOf(long.MinValue, long.MaxValue, 0L, -1L, EventLimits.MinTs - 1, EventLimits.MinTs, DateTimeOffset.UtcNow.AddHours(25).ToUnixTimeMilliseconds())),
        (1, Gen.Long));

    private static readonly Gen<long?> Duration = Gen.Frequency(
        (3, Gen.Const((long?)null)),
        (2, Gen.Long[0, 600_000].Select(d => (long?)d)),
        (1, Gen.OneOf<long?>(-1, long.MinValue, long.MaxValue, 0)));

    private static readonly Gen<Dictionary<string, string>> Attributes = Gen.Frequency(
        (4, Gen.Const<Dictionary<string, string>>(static () => new())),
        (2, Gen.Select(Text, Text).Array[1, 20].Select(kv => kv.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2))));

    private static readonly Gen<Event> AnEvent = Gen.Select(
        Gen.Select(Text, Ts, Gen.Int[-2, 4], Text, Gen.Int[0, 2], Duration, Text, Text),
        Attributes,
        (f, attributes) =>
        {
            var (session, ts, kind, name, success, duration, user, eventId) = f;
            var e = new Event { SessionId = session, Ts = ts, Kind = (Contracts.V1.EventKind)kind, Name = name, UserId = user, EventId = eventId };
            if (success > 0)
            {
                e.Success = success == 2;
            }
            if (duration is { } d)
            {
                e.DurationMs = d;
            }
            e.Attributes.Add(attributes);
            return e;
        });

    private static readonly Gen<TrackRequest> ATrack = Gen.Frequency(
        (40, Gen.Select(AnEvent.Array[0, 6], Text, (events, batchId) =>
        {
            var r = new TrackRequest { BatchId = batchId };
            r.Events.Add(events);
            return r;
        })),
        // Over the batch cap (small events, so the message stays under the size limit).
        (1, AnEvent.Select(e =>
        {
            e.Attributes.Clear();
            e.SessionId = Cut(e.SessionId);
            e.Name = Cut(e.Name);
            e.UserId = Cut(e.UserId);
            e.EventId = Cut(e.EventId);
            var r = new TrackRequest();
            r.Events.Add(Enumerable.Range(0, EventLimits.MaxBatchEvents + 1).Select(_ => e.Clone()));
            return r;
        })));

    private static string Cut(string s) => s.Length > 100 ? s[..100] : s;

    private static readonly Gen<string?> Key = Gen.Frequency(
        (12, Gen.Const<string?>(KeyA)),
        (1, Gen.Const((string?)null)),
        (1, Gen.Char[' ', '~'].Array[0, 80].Select(a => (string?)new string(a))));

    private static readonly Gen<Call> ACall = Gen.Select(
        Gen.OneOf("Track", "Track", "Track", "GetSession", "EndSession", "LabelSession"), Key, ATrack, Text, Text, Text,
        (rpc, key, track, session, cls, note) => new Call(rpc, key, track, session, cls, note));

    [Fact]
    public async Task Ten_thousand_malformed_or_extreme_requests_get_no_INTERNAL_and_every_INVALID_ARGUMENT_names_a_field()
    {
        await ACall.SampleAsync(CallOnceAsync, iter: UnaryCalls, threads: 8);
        await ATrack.Array[BatchesPerStream].SampleAsync(StreamOnceAsync, iter: Streams, threads: 4);

        Assert.True(_requests >= 10_000, $"only {_requests} requests were sent");
        // Still serving after all of it.
        var s = TestStore.SessionId("fuzz-alive");
        await _server.Scoring.TrackAsync(Events.Batch(Events.View(s, "/ok", T0)), Bearer(KeyA));
    }

    private async Task CallOnceAsync(Call call)
    {
        Interlocked.Increment(ref _requests);
        var headers = Headers(call.Key);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        try
        {
            switch (call.Rpc)
            {
                case "Track":
                    await _server.Scoring.TrackAsync(call.Track, headers, deadline);
                    break;
                case "GetSession":
                    await _server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = call.SessionId }, headers, deadline);
                    break;
                case "EndSession":
                    await _server.Scoring.EndSessionAsync(new EndSessionRequest { SessionId = call.SessionId }, headers, deadline);
                    break;
                default:
                    await _server.Models.LabelSessionAsync(new LabelSessionRequest { SessionId = call.SessionId, Class = call.Class, Note = call.Note }, headers, deadline);
                    break;
            }
        }
        catch (RpcException ex)
        {
            // RESOURCE_EXHAUSTED: a generated message over Limits:MaxReceiveMessageBytes.
            Assert.True(ex.StatusCode is StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.Unauthenticated or StatusCode.ResourceExhausted,
                $"{call.Rpc} answered {ex.StatusCode}: {ex.Status.Detail}");
            if (ex.StatusCode == StatusCode.InvalidArgument)
            {
                var details = ex.GetRpcStatus()?.GetDetail<BadRequest>();
                Assert.NotNull(details);
                Assert.NotEmpty(details.FieldViolations);
                Assert.All(details.FieldViolations, v => Assert.False(string.IsNullOrWhiteSpace(v.Field), "a violation without a field"));
            }
        }
    }

    private async Task StreamOnceAsync(TrackRequest[] batches)
    {
        using var call = _server.Scoring.TrackStream(Bearer(KeyA), DateTime.UtcNow.AddSeconds(120));
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < batches.Length; i++)
            {
                batches[i].BatchId = "b" + i;
                await call.RequestStream.WriteAsync(batches[i]);
                Interlocked.Increment(ref _requests);
            }
            await call.RequestStream.CompleteAsync();
        });
        var answered = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var r = call.ResponseStream.Current;
            Assert.Equal("b" + answered, r.BatchId);
            if (r.Error is { } error)
            {
                Assert.Equal("INVALID_ARGUMENT", error.Code);
                Assert.NotEmpty(error.Violations);
                Assert.All(error.Violations, v => Assert.False(string.IsNullOrWhiteSpace(v.Field), "a violation without a field"));
            }
            answered++;
        }
        await writer;
        Assert.Equal(batches.Length, answered);
    }

    private static Metadata Headers(string? key) => key is null ? [] : Bearer(key);
}

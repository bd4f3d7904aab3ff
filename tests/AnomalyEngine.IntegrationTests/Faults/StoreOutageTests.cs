using System.Collections.Concurrent;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using static AnomalyEngine.IntegrationTests.Infrastructure.Events;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace AnomalyEngine.IntegrationTests.Faults;

/// <summary>
/// The store goes away under load and comes back: calls fail with UNAVAILABLE inside their deadline,
/// health turns NOT_SERVING, and everything recovers by itself with no acknowledged event lost and,
/// after idempotent retries, every event counted exactly once.
/// </summary>
public sealed class StoreOutageTests
{
    private const int Sessions = 8;
    // Generous: the assertion is that calls end with UNAVAILABLE, which proves they did not wait for this.
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(20);

    [RedisServerFact]
    public async Task Killed_store_fails_calls_with_UNAVAILABLE_and_recovers_with_exact_counts()
    {
        using var redis = await RedisServerProcess.StartAsync();
        await using var server = await EngineServer.StartAsync(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        var load = new Load(server, nameof(Killed_store_fails_calls_with_UNAVAILABLE_and_recovers_with_exact_counts));

        await load.SendAsync(count: 40);
        Assert.Empty(load.Failures);

        redis.Kill();
        await load.SendAsync(count: 40);
        Assert.NotEmpty(load.Failures);
        Assert.All(load.Failures.Values, code => Assert.Equal(StatusCode.Unavailable, code));
        Assert.Equal(ServingStatus.NotServing, await WaitForHealthAsync(server, ServingStatus.NotServing));

        await redis.RestartAsync();
        Assert.Equal(ServingStatus.Serving, await WaitForHealthAsync(server, ServingStatus.Serving));
        await load.RetryFailedUntilAcceptedAsync();
        await load.SendAsync(count: 40);
        Assert.Empty(load.Failures);

        await load.AssertExactCountsAsync();
    }

    [RedisServerFact]
    public async Task A_store_that_stops_answering_fails_calls_with_UNAVAILABLE_not_a_hang()
    {
        using var redis = await RedisServerProcess.StartAsync();
        await using var server = await EngineServer.StartAsync(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
        var load = new Load(server, nameof(A_store_that_stops_answering_fails_calls_with_UNAVAILABLE_not_a_hang));
        await load.SendAsync(count: 16);

        redis.Signal("STOP");
        try
        {
            await load.SendAsync(count: 8);
            Assert.Equal(8, load.Failures.Count);
            Assert.All(load.Failures.Values, code => Assert.Equal(StatusCode.Unavailable, code));
            Assert.Equal(ServingStatus.NotServing, await WaitForHealthAsync(server, ServingStatus.NotServing));
        }
        finally
        {
            redis.Signal("CONT");
        }

        Assert.Equal(ServingStatus.Serving, await WaitForHealthAsync(server, ServingStatus.Serving));
        await load.RetryFailedUntilAcceptedAsync();
        await load.AssertExactCountsAsync();
    }

    /// <summary>Polls grpc.health.v1 Check (no key needed) until it reports <paramref name="wanted"/> or a bound passes.</summary>
    private static async Task<ServingStatus> WaitForHealthAsync(EngineServer server, ServingStatus wanted)
    {
        var health = new Health.HealthClient(server.Channel);
        var last = ServingStatus.Unknown;
        for (var i = 0; i < 150 && last != wanted; i++)
        {
            try
            {
                last = (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10))).Status;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
            {
                // grpc health answers UNAVAILABLE-as-status for NOT_SERVING in some versions.
                last = ServingStatus.NotServing;
            }
            if (last != wanted)
            {
                await Task.Delay(200);
            }
        }
        return last;
    }

    /// <summary>
    /// Single-event Track calls with unique event ids over a few sessions, remembering which were
    /// acknowledged and which failed (and how), so the final counts can be checked exactly.
    /// </summary>
    private sealed class Load(EngineServer server, string test)
    {
        private readonly string[] _sessions = Enumerable.Range(0, Sessions).Select(i => TestStore.SessionId($"{test}-{i}")).ToArray();
        private readonly ConcurrentDictionary<int, Event> _sent = new();
        private int _next;

        /// <summary>Events whose last attempt failed, with the status it failed with.</summary>
        public ConcurrentDictionary<int, StatusCode> Failures { get; } = new();

        public async Task SendAsync(int count)
        {
            Failures.Clear();
            var events = Enumerable.Range(0, count).Select(_ => Interlocked.Increment(ref _next)).ToArray();
            // Four concurrent callers, like a small producer fleet.
            await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, _) =>
            {
                var e = View(_sessions[n % Sessions], "/p/" + (n % 5), T0 + n, eventId: "e" + n);
                _sent[n] = e;
                await TrySendAsync(n, e);
            });
        }

        public async Task RetryFailedUntilAcceptedAsync()
        {
            for (var round = 0; round < 50 && !Failures.IsEmpty; round++)
            {
                foreach (var n in Failures.Keys.ToArray())
                {
                    Failures.TryRemove(n, out _);
                    await TrySendAsync(n, _sent[n]);
                }
                if (!Failures.IsEmpty)
                {
                    await Task.Delay(200);
                }
            }
            Assert.Empty(Failures);
        }

        public async Task AssertExactCountsAsync()
        {
            for (var i = 0; i < Sessions; i++)
            {
                var expected = _sent.Values.Count(e => e.SessionId == _sessions[i]);
                var info = await server.Scoring.GetSessionAsync(new GetSessionRequest { SessionId = _sessions[i] }, deadline: DateTime.UtcNow.Add(CallDeadline));
                Assert.Equal(expected, info.Events);
            }
        }

        private async Task TrySendAsync(int n, Event e)
        {
            try
            {
                await server.Scoring.TrackAsync(Batch(e), deadline: DateTime.UtcNow.Add(CallDeadline));
            }
            catch (RpcException ex)
            {
                Failures[n] = ex.StatusCode;
            }
        }
    }
}

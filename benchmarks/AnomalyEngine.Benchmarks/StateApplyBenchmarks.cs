using AnomalyEngine.Core.Events;
using AnomalyEngine.State.Sessions;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.Benchmarks;

// What it showed with the earlier text layout (hash + list + zset per session; 2-core box shared
// with 4 builds, load average ~15; benchmarks/results/bench/):
// ~180-370 µs and ~8-9 KB allocated per one-event apply on both Garnet and Redis: the Lua script
// itself (Redis reported 120-320 µs of its own time per call on this box), plus the reply copied
// into byte[]s (~3 KB) and the decoded SessionState (~3.8 KB). 32 applies in flight cost ~1.5x
// less per event; less of a gain than a quiet machine shows, because this one was CPU-bound.
// With the packed layout, on a quiet box (23:09 UTC run): one at a time 322 µs (Garnet) / 220 µs
// (Redis), 32 in flight 139 / 86 µs per event, ~4 KB allocated per event on both.

/// <summary>
/// Applying one event to a live session in the store: EVALSHA of apply_events.lua + decoding the
/// returned state, over a rolling set of 1,000 simulated normal sessions (their own lengths).
/// </summary>
[MemoryDiagnoser]
public class StateApplyBenchmarks
{
    private BenchStore _store = null!;
    private ConnectionMultiplexer _redis = null!;
    private RedisSessionStore _sessions = null!;
    private List<SessionEvent> _events = [];
    private int _next;
    private readonly SessionEvent[][] _one = new SessionEvent[32][];

    /// <summary>"garnet" (embedded) or "redis" (AE_BENCH_REDIS, else a redis-server started here).</summary>
    [Params("garnet", "redis")]
    public string Store { get; set; } = "garnet";

    [GlobalSetup]
    public void Setup()
    {
        _store = BenchStore.Start(Store);
        Console.WriteLine("// store: " + _store.Description);
        _redis = ConnectionMultiplexer.Connect(_store.Configuration);
        _sessions = new RedisSessionStore(_redis, Options.Create(new SessionStoreOptions()), TimeProvider.System);
        // 300k events over 1,000 session slots with simulated lengths: enough that no session is
        // revisited with an old timestamp during a run, and state sizes are in steady state.
        _events = BenchEnvironment.Events(1000, 300_000);
        for (var i = 0; i < _one.Length; i++)
        {
            _one[i] = new SessionEvent[1];
        }
        // Warm the sessions so the benchmark sees grown states, not empty ones.
        for (var i = 0; i < 20_000; i++)
        {
            Apply().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _redis.Dispose();
        _store.Dispose();
    }

    /// <summary>One event, one round trip, awaited: the latency floor of a unary Track.</summary>
    [Benchmark]
    public Task<SessionApplyResult> ApplyOne() => Apply();

    /// <summary>32 sessions' events in flight at once (as a pipelined stream has): cost per event.</summary>
    [Benchmark(OperationsPerInvoke = 32)]
    public Task ApplyPipelined32()
    {
        var tasks = new Task<SessionApplyResult>[32];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Apply(i);
        }
        return Task.WhenAll(tasks);
    }

    private Task<SessionApplyResult> Apply(int buffer = 0)
    {
        var e = _events[_next];
        _next = _next + 1 == _events.Count ? 0 : _next + 1;
        var one = _one[buffer];
        one[0] = e;
        return _sessions.ApplyAsync("default", e.SessionId, one);
    }
}

using AnomalyEngine.Core.Sessions;
using AnomalyEngine.State.Keys;
using AnomalyEngine.State.Sessions;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.Benchmarks;

// History: against the earlier text layout (state hash + path list, replied as two '\n'-joined
// strings) the span decoder allocated 3.8 KB per 50-event session against 24.2 KB for the
// string/Split decoder before it (sessions of the load tool's old site walk). The packed binary
// layout replaced both: 6.7 µs and 8.1 KB for a simulated 50-event session, which holds more
// names and transitions (23:09 UTC run, benchmarks/results/bench/). With layout 2 such a session is
// all unfolded tail, so decoding it folds its 50 rows through SessionReducer.Fold: 14.2 µs and
// 7.3 KB on a loaded machine (load average ~6; transition keys interned, maps presized).

/// <summary>
/// Decoding a session's packed state (what Track, GetSession and EndSession decode) for a session
/// of 50 events, captured from a real apply_events.lua run on embedded Garnet (below the tail cap,
/// so all 50 events are replayed from the tail).
/// </summary>
[MemoryDiagnoser]
public class StateDecodeBenchmarks
{
    private byte[] _packed = [];

    [GlobalSetup]
    public void Setup()
    {
        using var store = BenchStore.Start("garnet");
        using var redis = ConnectionMultiplexer.Connect(store.Configuration);
        var sessions = new RedisSessionStore(redis, Options.Create(new SessionStoreOptions()), TimeProvider.System);
        var events = BenchEnvironment.Events(1, 50, eventsPerSession: 50);
        var session = events[0].SessionId;
        for (var i = 0; i < events.Count; i++)
        {
            sessions.ApplyAsync("default", session, [events[i]]).GetAwaiter().GetResult();
        }
        // The stored value; the decoder skips its trailing event-id digests, which replies omit.
        _packed = (byte[])redis.GetDatabase().StringGet(RedisKeys.Session("default", session))!;
        var state = SessionStateCodec.Decode(session, _packed, SessionLimits.Default);
        Console.WriteLine($"// packed state: {_packed.Length} B, {state.Names.Count} names, {state.Transitions.Count} transitions, {state.RecentPath.Count} path entries");
    }

    [Benchmark]
    public SessionState Decode() => SessionStateCodec.Decode("s", _packed, SessionLimits.Default);
}

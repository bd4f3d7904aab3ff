using System.Globalization;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Simulation;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// Load traffic: the normal (human) sessions of <see cref="TrafficSimulator"/>, the traffic the
/// shipped model was trained on, replayed over many concurrent session slots with their gaps kept
/// and their clock moved to the last hour. Realistic for the server too: like production, few
/// verdicts are anomalous, so a run measures the common path rather than alerting on every session.
/// With an attack share, that share of sessions are the simulator's attacks (which alert).
/// </summary>
/// <remarks>
/// Not thread-safe: each load worker owns one instance over its own session slots. Sessions are
/// visited round-robin, so with <c>--events-per-session E</c> and <c>--sessions N</c> after
/// N × E events every session has exactly E events (what the memory measurement relies on): a slot
/// takes the first E events of the next simulated session that has at least E.
/// Session ids are <c>RUNID-SLOT-GENERATION</c> and event ids <c>SESSIONID:SEQ</c>.
/// </remarks>
internal sealed class SimulatedTraffic
{
    // Simulated sessions are drawn in chunks of this many; each chunk is one seeded simulator run.
    private const int ChunkSessions = 20_000;

    private readonly string _runId;
    private readonly int _eventsPerSession;
    private readonly bool _eventIds;
    private readonly int _seed;
    private readonly double _attackShare;
    private readonly Random _rng;
    private readonly SessionSlot[] _slots;
    private readonly long _now;
    private IEnumerator<SimulatedSession> _source;
    private int _chunk;
    private int _next;

    /// <param name="runId">Prefix of every session id, so runs never share sessions.</param>
    /// <param name="firstSlot">First global slot number of this instance (slot numbers appear in session ids).</param>
    /// <param name="slotCount">Concurrent sessions this instance drives.</param>
    /// <param name="eventsPerSession">Fixed session length, or 0 for the simulated sessions' own lengths.</param>
    /// <param name="eventIds">Whether events carry a producer event_id (idempotent retries).</param>
    /// <param name="seed">Seed of the simulated sessions.</param>
    /// <param name="attackShare">Share of sessions that are simulated attacks, in [0, 1].</param>
    public SimulatedTraffic(string runId, int firstSlot, int slotCount, int eventsPerSession, bool eventIds, int seed, double attackShare = 0)
    {
        _attackShare = attackShare;
        _runId = runId;
        _eventsPerSession = eventsPerSession;
        _eventIds = eventIds;
        _seed = seed;
        _rng = new Random(seed);
        _now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _source = Chunk(0);
        _slots = new SessionSlot[slotCount];
        for (var i = 0; i < slotCount; i++)
        {
            _slots[i] = new SessionSlot(firstSlot + i);
            StartSession(_slots[i]);
        }
    }

    /// <summary>Concurrent sessions this instance drives.</summary>
    public int Slots => _slots.Length;

    /// <summary>The next event, from the next session in round-robin order.</summary>
    public Event Next()
    {
        var slot = _slots[_next];
        _next = _next + 1 == _slots.Length ? 0 : _next + 1;
        if (slot.Seq == slot.Length)
        {
            slot.Generation++;
            StartSession(slot);
        }
        var source = slot.Events[slot.Seq++];
        return EventMapper.ToContract(source with
        {
            SessionId = slot.SessionId,
            Ts = source.Ts + slot.Shift,
            EventId = _eventIds ? string.Concat(slot.SessionId, ":", slot.Seq.ToString(CultureInfo.InvariantCulture)) : null,
        });
    }

    private void StartSession(SessionSlot slot)
    {
        var session = NextSession();
        slot.SessionId = string.Concat(_runId, "-", slot.Number.ToString(CultureInfo.InvariantCulture), "-",
            slot.Generation.ToString(CultureInfo.InvariantCulture));
        slot.Events = session.Events;
        slot.Length = _eventsPerSession > 0 ? _eventsPerSession : session.Events.Count;
        slot.Seq = 0;
        // Sessions start in the last hour so that even long runs stay far from the "future" limit.
        slot.Shift = _now - _rng.Next(600_000, 3_600_000) - session.StartTs;
    }

    /// <summary>The next simulated session long enough for a fixed length, across chunks.</summary>
    /// <exception cref="ArgumentException">A whole chunk held no session that long (humans leave sooner).</exception>
    private SimulatedSession NextSession()
    {
        for (var scanned = 0; scanned < ChunkSessions; scanned++)
        {
            if (!_source.MoveNext())
            {
                _source = Chunk(++_chunk);
                _source.MoveNext();
            }
            if (_source.Current.Events.Count >= _eventsPerSession)
            {
                return _source.Current;
            }
        }
        throw new ArgumentException($"no simulated session has {_eventsPerSession} events; use a shorter fixed length");
    }

    private IEnumerator<SimulatedSession> Chunk(int chunk) =>
        new TrafficSimulator(new SimulationOptions
        {
            Seed = ((long)_seed << 20) + chunk,
            Sessions = ChunkSessions,
            AttackRate = _attackShare,
        }).Generate().GetEnumerator();

    private sealed class SessionSlot(int number)
    {
        public int Number { get; } = number;
        public int Generation { get; set; }
        public string SessionId { get; set; } = "";
        public IReadOnlyList<Core.Events.SessionEvent> Events { get; set; } = [];
        public int Length { get; set; }
        public int Seq { get; set; }
        public long Shift { get; set; }
    }
}

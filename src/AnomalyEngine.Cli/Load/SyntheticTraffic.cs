using AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// Synthetic shop traffic for load tests: many concurrent sessions, each a walk over a small site
/// map (views with dwell times, and actions such as login, add-to-cart and payment that mostly
/// succeed), with increasing timestamps, a user id after login and a producer event id.
/// Not a simulator of attacks (that is <c>anomaly-engine simulate</c>); it exists to put realistic
/// shapes of state in the store at a high rate, cheaply on the client side.
/// </summary>
/// <remarks>
/// Not thread-safe: each load worker owns one instance over its own session slots. Sessions are
/// visited round-robin, so with <c>--events-per-session E</c> and <c>--sessions N</c> after
/// N × E events every session has exactly E events (what the memory measurement relies on).
/// </remarks>
internal sealed class SyntheticTraffic
{
    // name, kind, next steps (index into Steps); actions carry their success rate.
    private static readonly Step[] Steps =
    [
        new("/", EventKind.View, 0, [1, 2, 3, 6, 11]),                 // 0 home
        new("/search", EventKind.View, 0, [2, 3, 12]),                 // 1
        new("/products", EventKind.View, 0, [3, 4, 1]),                // 2 listing
        new("/products/item", EventKind.View, 0, [5, 2, 3, 1]),        // 3 product page
        new("/products/reviews", EventKind.View, 0, [3, 5]),           // 4
        new("add_to_cart", EventKind.Action, 0.98, [7, 2, 3]),         // 5
        new("/login", EventKind.View, 0, [10]),                        // 6
        new("/cart", EventKind.View, 0, [8, 2]),                       // 7
        new("/checkout", EventKind.View, 0, [9]),                      // 8
        new("payment", EventKind.Action, 0.93, [13, 8]),               // 9
        new("login", EventKind.Action, 0.9, [0, 2, 14]),               // 10
        new("/help", EventKind.View, 0, [0, 1]),                       // 11
        new("search", EventKind.Action, 1.0, [2, 3]),                  // 12
        new("/order/confirmation", EventKind.View, 0, [0, 2]),         // 13
        new("/account/settings", EventKind.View, 0, [0, 2]),           // 14
    ];

    private static readonly string[] Devices = ["ios", "android", "web-chrome", "web-safari", "web-firefox"];
    private static readonly string[] Countries = ["DE", "FR", "US", "GB", "NL", "ES", "PL"];

    private readonly Random _rng;
    private readonly string _runId;
    private readonly int _eventsPerSession;
    private readonly bool _eventIds;
    private readonly SessionSlot[] _slots;
    private readonly long _now;
    private int _next;

    /// <param name="runId">Prefix of every session id, so runs never share sessions.</param>
    /// <param name="firstSlot">First global slot number of this instance (slot numbers appear in session ids).</param>
    /// <param name="slotCount">Concurrent sessions this instance drives.</param>
    /// <param name="eventsPerSession">Fixed session length, or 0 for random lengths of 10..100 events.</param>
    /// <param name="eventIds">Whether events carry a producer event_id (idempotent retries).</param>
    /// <param name="seed">Seed of the walk.</param>
    public SyntheticTraffic(string runId, int firstSlot, int slotCount, int eventsPerSession, bool eventIds, int seed)
    {
        _rng = new Random(seed);
        _runId = runId;
        _eventsPerSession = eventsPerSession;
        _eventIds = eventIds;
        _now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _slots = new SessionSlot[slotCount];
        for (var i = 0; i < slotCount; i++)
        {
            _slots[i] = new SessionSlot(firstSlot + i);
            StartSession(_slots[i]);
        }
    }

    /// <summary>The next event, from the next session in round-robin order.</summary>
    public Event Next()
    {
        var slot = _slots[_next];
        _next = _next + 1 == _slots.Length ? 0 : _next + 1;
        if (slot.Remaining == 0)
        {
            slot.Generation++;
            StartSession(slot);
        }
        slot.Remaining--;
        slot.Seq++;

        var step = Steps[slot.Page];
        var e = new Event
        {
            SessionId = slot.SessionId,
            Ts = slot.Ts,
            Kind = step.Kind,
            Name = step.Name,
            DurationMs = step.Kind == EventKind.View ? _rng.Next(200, 20_000) : _rng.Next(30, 1_500),
        };
        if (step.Kind == EventKind.Action)
        {
            var ok = _rng.NextDouble() < step.SuccessRate;
            e.Success = ok;
            if (ok && slot.Page == 10)
            {
                slot.UserId = "user-" + _rng.Next(1, 50_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        if (slot.UserId is not null)
        {
            e.UserId = slot.UserId;
        }
        if (_eventIds)
        {
            e.EventId = string.Concat(slot.SessionId, ":", slot.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        e.Attributes.Add("device", slot.Device);
        e.Attributes.Add("country", slot.Country);

        // Dwell before the next event: mostly seconds, sometimes a long read.
        slot.Ts += _rng.Next(10) == 0 ? _rng.Next(20_000, 120_000) : _rng.Next(400, 15_000);
        var next = step.Next;
        slot.Page = next[_rng.Next(next.Length)];
        return e;
    }

    private void StartSession(SessionSlot slot)
    {
        slot.SessionId = string.Concat(_runId, "-", slot.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), "-",
            slot.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        slot.Remaining = _eventsPerSession > 0 ? _eventsPerSession : _rng.Next(10, 101);
        slot.Seq = 0;
        slot.Page = _rng.Next(4) == 0 ? 6 : 0;
        slot.UserId = null;
        slot.Device = Devices[_rng.Next(Devices.Length)];
        slot.Country = Countries[_rng.Next(Countries.Length)];
        // Sessions start in the last hour so that even long runs stay far from the "future" limit.
        slot.Ts = _now - _rng.Next(600_000, 3_600_000);
    }

    private sealed record Step(string Name, EventKind Kind, double SuccessRate, int[] Next);

    private sealed class SessionSlot(int number)
    {
        public int Number { get; } = number;
        public int Generation { get; set; }
        public string SessionId { get; set; } = "";
        public int Remaining { get; set; }
        public int Seq { get; set; }
        public int Page { get; set; }
        public long Ts { get; set; }
        public string? UserId { get; set; }
        public string Device { get; set; } = "";
        public string Country { get; set; } = "";
    }
}

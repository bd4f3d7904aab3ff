using System.Globalization;
using AnomalyEngine.Simulation.Attacks;

namespace AnomalyEngine.Simulation;

/// <summary>
/// Generates a labelled day (or any <see cref="SimulationOptions.Span"/>) of shop traffic: human
/// sessions following a daily rhythm plus a share of attack sessions. Pure and seeded: each session
/// draws from its own random stream derived from (seed, session number), so the output for a seed is
/// byte-identical on every run and machine. docs/simulator.md describes the model.
/// </summary>
public sealed class TrafficSimulator
{
    // Relative session starts per UTC hour: a night trough around 03:00, a lunch bump, an evening peak.
    private static readonly double[] s_hourlyRhythm =
        [3.0, 2.0, 1.5, 1.2, 1.2, 1.6, 2.6, 4.0, 5.5, 6.5, 7.0, 7.5, 8.0, 7.8, 7.5, 7.4, 7.6, 8.2, 9.0, 9.6, 9.8, 8.8, 6.8, 4.8];

    private readonly SimulationOptions _options;
    private readonly Population _population;

    /// <summary>Creates a simulator; throws <see cref="ArgumentException"/> on invalid options.</summary>
    public TrafficSimulator(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var users = options.Users > 0 ? options.Users : Math.Max(50, options.Sessions / 4);
        _population = new Population(options.Seed, users);
    }

    /// <summary>The options in use.</summary>
    public SimulationOptions Options => _options;

    private readonly record struct PlannedSession(long StartTs, int Index, int AttackSpec, bool Subtle);

    /// <summary>
    /// The sessions, ordered by their first event's ts (ties by session number). Lazy: sessions are
    /// built as they are enumerated, so a long replay does not hold them all.
    /// </summary>
    public IEnumerable<SimulatedSession> Generate()
    {
        var plan = Plan();
        foreach (var p in plan)
        {
            yield return Build(p);
        }
    }

    /// <summary>All sessions' events merged by ts, as a live producer would emit them (see <see cref="EventInterleaver"/>).</summary>
    public IEnumerable<SimulatedEvent> GenerateInterleaved() => EventInterleaver.Interleave(Generate());

    /// <summary>Who is an attack, which one and when each session starts: one random stream for the whole plan.</summary>
    private PlannedSession[] Plan()
    {
        var o = _options;
        var rng = new SimRandom(o.Seed, stream: -1);
        var plan = new PlannedSession[o.Sessions];
        var startMs = o.StartTime.ToUnixTimeMilliseconds();
        var spanMs = (long)o.Span.TotalMilliseconds;

        Span<double> attackWeights = stackalloc double[o.Attacks.Count];
        var totalWeight = 0.0;
        for (var i = 0; i < o.Attacks.Count; i++)
        {
            attackWeights[i] = o.Attacks[i].Weight;
            totalWeight += attackWeights[i];
        }
        // An exact count rather than a coin per session, so small runs still carry the asked share.
        var attacks = totalWeight > 0 ? (int)Math.Round(o.Sessions * o.AttackRate) : 0;

        var maxRhythm = s_hourlyRhythm.Max();
        for (var i = 0; i < plan.Length; i++)
        {
            var isAttack = i < attacks;
            long offset;
            if (isAttack)
            {
                // Bots do not sleep: attacks start uniformly over the period.
                offset = (long)(rng.NextDouble() * spanMs);
            }
            else
            {
                do
                {
                    offset = (long)(rng.NextDouble() * spanMs);
                }
                while (!rng.Chance(s_hourlyRhythm[HourOfDay(startMs + offset)] / maxRhythm));
            }
            var spec = isAttack ? rng.Pick(attackWeights) : -1;
            var subtle = isAttack && rng.Chance(o.SubtleShare);
            plan[i] = new PlannedSession(startMs + offset, i, spec, subtle);
        }
        Array.Sort(plan, static (x, y) => x.StartTs != y.StartTs ? x.StartTs.CompareTo(y.StartTs) : x.Index.CompareTo(y.Index));
        return plan;
    }

    private static int HourOfDay(long unixMs) => (int)((unixMs / 3_600_000) % 24);

    private SimulatedSession Build(PlannedSession p)
    {
        var rng = new SimRandom(_options.Seed, p.Index + 1);
        // The finaliser is a bijection, so session numbers never collide; the seed makes ids differ per run.
        var sessionId = _options.SessionIdPrefix + SimRandom.Mix(((ulong)_options.Seed << 32) ^ (ulong)p.Index).ToString("x16", CultureInfo.InvariantCulture);

        if (p.AttackSpec < 0)
        {
            return new SimulatedSession(sessionId, 0, AttackClasses.Normal, BuildHuman(sessionId, p.StartTs, p.Index, rng));
        }

        var spec = _options.Attacks[p.AttackSpec];
        var b = new SessionBuilder(sessionId, p.StartTs, EmptyAttributes, rng);
        var context = new AttackContext(spec.Intensity, p.Subtle, _population);
        switch (spec.Type)
        {
            case AttackType.CredentialStuffing: CredentialStuffingAttack.Generate(b, context); break;
            case AttackType.Scraper: ScraperAttack.Generate(b, context); break;
            case AttackType.AccountTakeover: AccountTakeoverAttack.Generate(b, context); break;
            case AttackType.CardTesting: CardTestingAttack.Generate(b, context); break;
            case AttackType.SessionHijack: SessionHijackAttack.Generate(b, context); break;
            default: throw new InvalidOperationException("unknown attack " + spec.Type);
        }
        return new SimulatedSession(sessionId, 1, AttackClasses.Name(spec.Type, p.Subtle), b.Build());
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyAttributes = new Dictionary<string, string>();

    private IReadOnlyList<Core.Events.SessionEvent> BuildHuman(string sessionId, long startTs, int index, SimRandom rng)
    {
        // 60 % registered users (a few regulars, many occasional), 40 % guests. Of the registered,
        // a bit over half are still signed in from last time (user_id from the first event).
        UserProfile? user = rng.Chance(0.6) ? _population.PickUser(rng) : null;
        var visitor = user is null ? Population.Anonymous(rng) : Population.AsVisitor(user, rng);
        var ctx = new HumanContext
        {
            User = user,
            SignedIn = user is not null && rng.Chance(0.55),
            // Engagement: most visitors leave at the usual rate, some stay long, some bounce.
            ExitFactor = Math.Clamp(rng.LogNormal(1.0, 0.7), 0.15, 4.0),
            MaxEvents = 60,
        };
        var b = new SessionBuilder(sessionId, startTs, visitor.ToAttributes(), rng)
        {
            UserId = ctx.SignedIn ? user!.UserId : null,
        };
        HumanBehavior.Walk(b, ctx, HumanBehavior.Entry(rng, ctx));
        return Roam(b.Build(), visitor, index);
    }

    /// <summary>
    /// A phone changes network mid-session now and then (<see cref="SimulationOptions.RoamShare"/> of
    /// mobile sessions of 3+ events): from some event on, the ip is another one in the same country,
    /// device and country unchanged. Normal traffic thus holds ip changes too, and a model learns how
    /// common they are instead of taking every one for a hijack. Drawn from a stream of its own, so
    /// the sessions' other content is the same with or without roaming.
    /// </summary>
    private IReadOnlyList<Core.Events.SessionEvent> Roam(IReadOnlyList<Core.Events.SessionEvent> events, Visitor visitor, int index)
    {
        var rng = new SimRandom(_options.Seed ^ RoamStream, index + 1);
        if (events.Count < 3 || !Population.IsMobile(visitor.Device) || !rng.Chance(_options.RoamShare))
        {
            return events;
        }
        var from = rng.Next(1, events.Count);
        var ip = Population.Roamed(visitor, rng).Ip;
        var roamed = new Core.Events.SessionEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (i < from || e.Attributes is null)
            {
                roamed[i] = e;
                continue;
            }
            // Other attributes (a payment's amount) stay as they were.
            var attributes = new Dictionary<string, string>(e.Attributes) { ["ip"] = ip };
            roamed[i] = e with { Attributes = attributes };
        }
        return roamed;
    }

    private const long RoamStream = 0x526F616D; // "Roam"
}

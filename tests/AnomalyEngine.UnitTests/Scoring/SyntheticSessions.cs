using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Scoring.Training;

namespace AnomalyEngine.UnitTests.Scoring;

/// <summary>A small seeded generator of shop sessions (humans) and a few attack shapes, for unit tests.</summary>
internal static class SyntheticSessions
{
    public const long T0 = 1_700_000_000_000;
    private static readonly string[] Browse = ["/search", "/product", "/product", "/category", "/product", "/reviews"];

    /// <summary>A human: entry, login (rarely failing once), browsing with lognormal gaps around 6 s, maybe a checkout.</summary>
    public static List<SessionEvent> Human(Random r, string id)
    {
        var events = new List<SessionEvent>();
        var ts = T0 + r.NextInt64(0, 86_400_000);
        void Add(EventKind kind, string name, bool? success = null)
        {
            events.Add(new SessionEvent(id, ts, kind, name, success, (long)LogNormal(r, 6.0, 0.5)));
            ts += (long)LogNormal(r, Math.Log(6000), 0.8);
        }
        Add(EventKind.View, r.NextDouble() < 0.8 ? "/home" : "/product");
        if (r.NextDouble() < 0.6)
        {
            Add(EventKind.View, "/login");
            if (r.NextDouble() < 0.08)
            {
                Add(EventKind.Action, "login", false);
            }
            Add(EventKind.Action, "login", true);
        }
        var pages = r.Next(1, 9);
        for (var i = 0; i < pages; i++)
        {
            Add(EventKind.View, Browse[r.Next(Browse.Length)]);
            if (r.NextDouble() < 0.2)
            {
                Add(EventKind.Action, "add_to_cart", r.NextDouble() < 0.97);
            }
        }
        if (r.NextDouble() < 0.3)
        {
            Add(EventKind.View, "/cart");
            Add(EventKind.View, "/checkout");
            Add(EventKind.Action, "payment", r.NextDouble() < 0.95);
        }
        return events;
    }

    /// <summary>Credential stuffing: the login page, then many failed logins a second apart.</summary>
    public static List<SessionEvent> CredentialStuffing(string id, int attempts = 9)
    {
        var events = new List<SessionEvent> { new(id, T0, EventKind.View, "/login") };
        for (var i = 0; i < attempts; i++)
        {
            events.Add(new SessionEvent(id, T0 + 1000 + i * 4700, EventKind.Action, "login", false));
        }
        return events;
    }

    /// <summary>A scraper: product pages every 200 ± 4 ms.</summary>
    public static List<SessionEvent> Scraper(Random r, string id, int pages = 40)
    {
        var events = new List<SessionEvent> { new(id, T0, EventKind.View, "/home") };
        var ts = T0;
        for (var i = 0; i < pages; i++)
        {
            ts += 196 + r.Next(0, 9);
            events.Add(new SessionEvent(id, ts, EventKind.View, i % 2 == 0 ? "/product" : "/search"));
        }
        return events;
    }

    /// <summary>Account takeover: login, then straight to a page nobody visits.</summary>
    public static List<SessionEvent> AccountTakeover(string id) =>
    [
        new(id, T0, EventKind.View, "/login"),
        new(id, T0 + 5000, EventKind.Action, "login", true),
        new(id, T0 + 9000, EventKind.View, "/admin/export"),
    ];

    /// <summary>Many seeded humans.</summary>
    public static List<SessionEvent> Humans(int sessions, int seed, string prefix = "h")
    {
        var r = new Random(seed);
        var all = new List<SessionEvent>();
        for (var i = 0; i < sessions; i++)
        {
            all.AddRange(Human(r, $"{prefix}{i}"));
        }
        return all;
    }

    /// <summary>Baselines learned from sessions (each one's events in order), as training learns them.</summary>
    public static SessionBaselines Baselines(IEnumerable<List<SessionEvent>> sessions)
    {
        var builder = new SessionBaselinesBuilder(seed: 1);
        foreach (var events in sessions)
        {
            builder.AddSession(events, SessionReplayer.Replay(events));
        }
        return builder.Build();
    }

    private static double LogNormal(Random r, double mu, double sigma)
    {
        var u1 = 1.0 - r.NextDouble();
        var u2 = r.NextDouble();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Exp(mu + sigma * z);
    }
}

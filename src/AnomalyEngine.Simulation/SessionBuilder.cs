using System.Globalization;
using AnomalyEngine.Core.Events;

namespace AnomalyEngine.Simulation;

/// <summary>
/// Accumulates one session's events on a simulated clock. Generators say what happens and how long
/// people (or bots) wait; the builder stamps ts, event_id, user_id and attributes.
/// </summary>
internal sealed class SessionBuilder
{
    private readonly List<SessionEvent> _events = new(16);

    public SessionBuilder(string sessionId, long startTs, IReadOnlyDictionary<string, string> attributes, SimRandom rng)
    {
        SessionId = sessionId;
        Now = startTs;
        Attributes = attributes;
        Rng = rng;
    }

    public string SessionId { get; }

    /// <summary>The simulated clock, unix ms; the next event is stamped with it.</summary>
    public long Now { get; private set; }

    /// <summary>The account, once known (a remembered login or a successful sign-in).</summary>
    public string? UserId { get; set; }

    /// <summary>Attributes of the events from now on; swapped when a hijacker takes over.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; set; }

    public SimRandom Rng { get; }

    public int Count => _events.Count;

    /// <summary>Advances the clock; at least 1 ms so events within a session have distinct, increasing ts.</summary>
    public void Wait(long ms) => Now += Math.Max(1, ms);

    /// <summary>A page view, optionally with the page's load time.</summary>
    public void View(string path, long? durationMs = null)
        => Add(EventKind.View, path, success: null, durationMs, Attributes);

    /// <summary>An action with its outcome, optionally with how long it took and extra attributes.</summary>
    public void Action(string name, bool success, long? durationMs = null, IReadOnlyDictionary<string, string>? attributes = null)
        => Add(EventKind.Action, name, success, durationMs, attributes ?? Attributes);

    /// <summary>A payment carrying its amount as attribute <c>amount</c> (two decimals).</summary>
    public void Payment(double amount, bool success, long? durationMs)
    {
        var attrs = new Dictionary<string, string>(Attributes.Count + 1);
        foreach (var (k, v) in Attributes)
        {
            attrs[k] = v;
        }
        attrs["amount"] = Math.Round(amount, 2).ToString("0.00", CultureInfo.InvariantCulture);
        Action(SiteMap.Payment, success, durationMs, attrs);
    }

    private void Add(EventKind kind, string name, bool? success, long? durationMs, IReadOnlyDictionary<string, string> attributes)
    {
        var eventId = SessionId + "-" + _events.Count.ToString(CultureInfo.InvariantCulture);
        _events.Add(new SessionEvent(SessionId, Now, kind, name, success, durationMs, UserId, eventId, attributes));
        // Every event occupies at least a millisecond, so the next one sorts strictly after it.
        Now += 1;
    }

    public IReadOnlyList<SessionEvent> Build() => _events.ToArray();
}

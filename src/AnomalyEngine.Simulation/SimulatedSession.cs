using AnomalyEngine.Core.Events;

namespace AnomalyEngine.Simulation;

/// <summary>One generated session with its ground truth.</summary>
/// <param name="SessionId">The session id carried by every event.</param>
/// <param name="Label">1 for an attack, 0 for a normal session.</param>
/// <param name="Class"><c>normal</c> or the attack class, e.g. <c>scraper</c> or <c>scraper_subtle</c>.</param>
/// <param name="Events">The events, ordered by ts (never empty).</param>
public sealed record SimulatedSession(string SessionId, int Label, string Class, IReadOnlyList<SessionEvent> Events)
{
    /// <summary>Timestamp of the first event.</summary>
    public long StartTs => Events[0].Ts;

    /// <summary>Timestamp of the last event.</summary>
    public long EndTs => Events[^1].Ts;
}

/// <summary>An event of the interleaved stream, with the session it belongs to (for its label).</summary>
/// <param name="Event">The event.</param>
/// <param name="Session">Its session.</param>
public readonly record struct SimulatedEvent(SessionEvent Event, SimulatedSession Session);

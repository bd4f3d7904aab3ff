using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Scoring.Training;

/// <summary>
/// The user history checks of a file's sessions, for offline replay. Live, each signed-in session
/// is checked against its user's history in Redis when it becomes due; offline, one pass finds
/// every session's due event with the reducer, runs the checks through a
/// <see cref="UserHistoryBook"/> in the order of those events' ts across the file (live, the
/// order they arrive in), and <see cref="SessionReplayer"/> sets each result on the state
/// after that event. History is built from the file alone: whatever the file holds first is new.
/// </summary>
public sealed class UserChecks
{
    private readonly Dictionary<string, (int EventIndex, UserCheck Check)> _bySession;

    private UserChecks(Dictionary<string, (int, UserCheck)> bySession) => _bySession = bySession;

    /// <summary>Sessions that were checked.</summary>
    public int Count => _bySession.Count;

    /// <summary>Checks the sessions of a file (grouped by <see cref="SessionReplayer.Group"/>) in ts order of their due events.</summary>
    public static UserChecks Run(IReadOnlyList<KeyValuePair<string, List<SessionEvent>>> sessions, SessionLimits? limits = null)
    {
        var due = new List<(long Ts, int Session, int EventIndex, string UserId)>();
        var reducer = new SessionReducer(limits ?? SessionLimits.Default);
        for (var i = 0; i < sessions.Count; i++)
        {
            var events = sessions[i].Value;
            if (!HasUser(events))
            {
                continue;
            }
            reducer.Reset();
            var state = new SessionState();
            for (var j = 0; j < events.Count; j++)
            {
                if (reducer.Apply(state, events[j]) && UserHistory.IsDue(state, events[j]))
                {
                    due.Add((events[j].Ts, i, j, state.UserId!));
                    break;
                }
            }
        }
        // Stable: equal ts keep the file's session order.
        due.Sort((a, b) => a.Ts != b.Ts ? a.Ts.CompareTo(b.Ts) : a.Session.CompareTo(b.Session));
        var book = new UserHistoryBook();
        var bySession = new Dictionary<string, (int, UserCheck)>(due.Count, StringComparer.Ordinal);
        Span<ushort> digests = stackalloc ushort[SessionContext.Count];
        foreach (var (ts, i, j, userId) in due)
        {
            var (id, events) = sessions[i];
            UserHistory.Digests(events[j], digests);
            bySession[id] = (j, book.Check(userId, UserHistory.SessionTag(id), ts, digests));
        }
        return new UserChecks(bySession);
    }

    /// <summary>The check of a session (by its first event's session id) and the index of the event after which it applies.</summary>
    public bool TryGet(IReadOnlyList<SessionEvent> orderedEvents, out int eventIndex, out UserCheck check)
    {
        if (orderedEvents.Count > 0 && _bySession.TryGetValue(orderedEvents[0].SessionId, out var found))
        {
            (eventIndex, check) = found;
            return true;
        }
        (eventIndex, check) = (-1, default);
        return false;
    }

    private static bool HasUser(List<SessionEvent> events)
    {
        foreach (var e in events)
        {
            if (!string.IsNullOrEmpty(e.UserId))
            {
                return true;
            }
        }
        return false;
    }
}

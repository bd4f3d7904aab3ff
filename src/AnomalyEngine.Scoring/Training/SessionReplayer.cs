using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Scoring.Training;

/// <summary>
/// Offline replay: groups events by session (first-appearance order of sessions), orders each
/// session by ts (stable for equal ts, as the live path receives them) and folds them through
/// <see cref="SessionReducer"/>, the C# mirror of the live Redis script.
/// </summary>
public static class SessionReplayer
{
    /// <summary>Groups events by session id, each session stably sorted by ts.</summary>
    public static List<KeyValuePair<string, List<SessionEvent>>> Group(IEnumerable<SessionEvent> events)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<KeyValuePair<string, List<SessionEvent>>>();
        foreach (var e in events)
        {
            if (!index.TryGetValue(e.SessionId, out var i))
            {
                i = groups.Count;
                index[e.SessionId] = i;
                groups.Add(new(e.SessionId, []));
            }
            groups[i].Value.Add(e);
        }
        foreach (var (_, list) in groups)
        {
            SortStable(list);
        }
        return groups;
    }

    /// <summary>
    /// Folds one session's ordered events, calling <paramref name="afterEach"/> with the state after
    /// every applied event (retries of a known event_id are skipped, as live). Returns the final state.
    /// The state passed to the callback is the same mutable instance each time: read it, do not keep it.
    /// <paramref name="users"/> sets the session's user history check where it falls due.
    /// </summary>
    public static SessionState Replay(IReadOnlyList<SessionEvent> orderedEvents, SessionLimits? limits = null, Action<SessionState>? afterEach = null, UserChecks? users = null)
    {
        SessionState? last = null;
        foreach (var state in Prefixes(orderedEvents, limits, users))
        {
            afterEach?.Invoke(state);
            last = state;
        }
        return last ?? new SessionState();
    }

    /// <summary>Yields the state after each applied event (same instance, mutated), for prefix training.</summary>
    public static IEnumerable<SessionState> Prefixes(IReadOnlyList<SessionEvent> orderedEvents, SessionLimits? limits = null, UserChecks? users = null)
    {
        var reducer = new SessionReducer(limits ?? SessionLimits.Default);
        var state = new SessionState();
        var checkAt = -1;
        var check = default(UserCheck);
        users?.TryGet(orderedEvents, out checkAt, out check);
        for (var i = 0; i < orderedEvents.Count; i++)
        {
            if (reducer.Apply(state, orderedEvents[i]))
            {
                if (i == checkAt)
                {
                    state.UserCheck = check;
                }
                yield return state;
            }
        }
    }

    private static void SortStable(List<SessionEvent> list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Ts < list[i - 1].Ts)
            {
                // Only out-of-order input pays for a sort; OrderBy is stable, List.Sort is not.
                var sorted = list.OrderBy(e => e.Ts).ToList();
                list.Clear();
                list.AddRange(sorted);
                return;
            }
        }
    }
}

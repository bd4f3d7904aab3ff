using System.Buffers;
using AnomalyEngine.Core.Events;

namespace AnomalyEngine.Core.Sessions;

/// <summary>
/// Folds events into a <see cref="SessionState"/> exactly as the live Redis script
/// (<c>src/AnomalyEngine.State/Scripts/apply_events.lua</c>) does, for offline training and
/// scoring. A parity test replays the same events through both and compares the states.
/// </summary>
/// <remarks>
/// Out-of-order events (ts older than the latest seen) are counted (events, names, failures) and in
/// <see cref="SessionState.OutOfOrder"/>, but contribute no gap and no transition and do not move
/// the latest ts/name, so they cannot produce negative or inflated durations.
/// </remarks>
public sealed class SessionReducer(SessionLimits limits)
{
    // Two names of at most EventLimits.MaxNameBytes each and the separator fit on the stack.
    private const int StackChars = 2 * EventLimits.MaxNameBytes + 1;

    private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _idOrder = new();

    /// <summary>The caps this reducer applies.</summary>
    public SessionLimits Limits { get; } = limits;

    /// <summary>Forgets remembered event ids, to start a new session.</summary>
    public void Reset()
    {
        _seenIds.Clear();
        _idOrder.Clear();
    }

    /// <summary>Applies one event; returns false when it is a retry of a remembered event_id.</summary>
    public bool Apply(SessionState s, SessionEvent e)
    {
        if (!Remember(e.EventId))
        {
            return false;
        }
        s.SessionId = e.SessionId;
        if (!string.IsNullOrEmpty(e.UserId))
        {
            s.UserId = e.UserId;
        }
        SessionContext.Track(ref s.ContextTracks, e.Attributes);
        Fold(s, new PathStep(e.Ts, e.Kind, e.Name, e.Kind == EventKind.Action ? e.Success : null, e.DurationMs), Limits);
        return true;
    }

    /// <summary>
    /// Counts one event (already known not to be a retry) into the aggregates and the recent path.
    /// The live state's decoder replays the stored tail of unfolded events through this same method,
    /// so offline replay and the live path share one fold.
    /// </summary>
    /// <param name="s">The state to update.</param>
    /// <param name="e">The event as the path keeps it (success only for actions).</param>
    /// <param name="limits">The caps to apply.</param>
    /// <param name="newKey">
    /// Makes the string of a transition key the state does not hold yet (the decoder shares them
    /// through its name cache); null: a new string.
    /// </param>
    public static void Fold(SessionState s, in PathStep e, SessionLimits limits, Func<ReadOnlySpan<char>, string>? newKey = null)
    {
        s.Events++;
        if (e.Kind == EventKind.View)
        {
            s.Views++;
        }
        else
        {
            s.Actions++;
        }

        if (!s.Names.TryGetValue(e.Name, out var ns))
        {
            var tracked = s.Names.Count < limits.NameCap ? e.Name : SessionState.OverflowKey;
            if (!s.Names.TryGetValue(tracked, out ns))
            {
                ns = new NameStats();
                s.Names[tracked] = ns;
            }
        }
        ns.Count++;

        if (e.Success is { } ok)
        {
            ns.Attempts++;
            if (ok)
            {
                s.Successes++;
                s.FailStreak = 0;
            }
            else
            {
                s.Failures++;
                ns.Failures++;
                s.FailStreak++;
                if (s.FailStreak > s.MaxFailStreak)
                {
                    s.MaxFailStreak = s.FailStreak;
                }
            }
        }

        if (e.DurationMs is { } d)
        {
            var ld = Math.Log(1.0 + d);
            ns.Durations++;
            ns.LogDurationSum += ld;
            ns.LogDurationSumSq += ld * ld;
        }

        if (s.Events == 1)
        {
            s.FirstTs = e.Ts;
            s.LastTs = e.Ts;
            s.FirstName = e.Name;
            s.LastName = e.Name;
        }
        else if (e.Ts >= s.LastTs)
        {
            double gap = e.Ts - s.LastTs;
            var lg = Math.Log(1.0 + gap);
            s.Gaps++;
            s.GapSum += gap;
            s.GapSumSq += gap * gap;
            s.LogGapSum += lg;
            s.LogGapSumSq += lg * lg;

            var ts = TrackedTransition(s, s.LastName!, e.Name, limits, newKey);
            ts.Count++;
            ts.LogGapSum += lg;
            ts.LogGapSumSq += lg * lg;

            s.LastTs = e.Ts;
            s.LastName = e.Name;
        }
        else
        {
            s.OutOfOrder++;
        }

        s.RecentPath.Add(e);
        if (s.RecentPath.Count > limits.PathCap)
        {
            s.RecentPath.RemoveAt(0);
        }
    }

    /// <summary>Remembers an event id; false when it is already remembered (a retry).</summary>
    private bool Remember(string? eventId)
    {
        if (string.IsNullOrEmpty(eventId))
        {
            return true;
        }
        if (!_seenIds.Add(eventId))
        {
            return false;
        }
        _idOrder.Enqueue(eventId);
        if (_idOrder.Count > Limits.EventIdCap)
        {
            _seenIds.Remove(_idOrder.Dequeue());
        }
        return true;
    }

    /// <summary>
    /// The entry a transition counts in: its own, or the overflow bucket beyond the cap. The key
    /// is looked up as a span and made a string only for a new entry, so replaying a session's
    /// known transitions allocates nothing.
    /// </summary>
    private static TransitionStats TrackedTransition(SessionState s, string from, string to, SessionLimits limits, Func<ReadOnlySpan<char>, string>? newKey)
    {
        var length = from.Length + 1 + to.Length;
        char[]? rented = null;
        var key = SessionState.WriteTransitionKey(length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(length)), from, to);
        if (!s.Transitions.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var t))
        {
            var tracked = s.Transitions.Count >= limits.TransitionCap ? SessionState.OverflowKey
                : newKey is null ? key.ToString() : newKey(key);
            if (!s.Transitions.TryGetValue(tracked, out t))
            {
                t = new TransitionStats();
                s.Transitions[tracked] = t;
            }
        }
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
        return t;
    }
}

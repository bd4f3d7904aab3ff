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
        if (!string.IsNullOrEmpty(e.EventId))
        {
            if (!_seenIds.Add(e.EventId))
            {
                return false;
            }
            _idOrder.Enqueue(e.EventId);
            if (_idOrder.Count > Limits.EventIdCap)
            {
                _seenIds.Remove(_idOrder.Dequeue());
            }
        }

        s.SessionId = e.SessionId;
        if (!string.IsNullOrEmpty(e.UserId))
        {
            s.UserId = e.UserId;
        }
        s.Events++;
        if (e.Kind == EventKind.View)
        {
            s.Views++;
        }
        else
        {
            s.Actions++;
        }

        var name = TrackedName(s, e.Name);
        if (!s.Names.TryGetValue(name, out var ns))
        {
            ns = new NameStats();
            s.Names[name] = ns;
        }
        ns.Count++;

        if (e.Kind == EventKind.Action && e.Success is { } ok)
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

            var key = TrackedTransition(s, SessionState.TransitionKey(s.LastName!, e.Name));
            if (!s.Transitions.TryGetValue(key, out var ts))
            {
                ts = new TransitionStats();
                s.Transitions[key] = ts;
            }
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

        s.RecentPath.Add(new PathStep(e.Ts, e.Kind, e.Name, e.Kind == EventKind.Action ? e.Success : null, e.DurationMs));
        if (s.RecentPath.Count > Limits.PathCap)
        {
            s.RecentPath.RemoveAt(0);
        }
        return true;
    }

    private string TrackedName(SessionState s, string name)
        => s.Names.ContainsKey(name) || s.Names.Count < Limits.NameCap ? name : SessionState.OverflowKey;

    private string TrackedTransition(SessionState s, string key)
        => s.Transitions.ContainsKey(key) || s.Transitions.Count < Limits.TransitionCap ? key : SessionState.OverflowKey;
}

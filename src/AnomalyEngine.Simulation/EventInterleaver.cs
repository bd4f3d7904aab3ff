namespace AnomalyEngine.Simulation;

/// <summary>
/// Merges sessions into one stream ordered by ts, as the producers of a live site would emit them.
/// Streaming: it needs the sessions in order of their first event and holds only the sessions that
/// are still going, so replaying a long simulation does not load it whole.
/// </summary>
public static class EventInterleaver
{
    /// <summary>
    /// Events of <paramref name="sessionsByStart"/> (ordered by <see cref="SimulatedSession.StartTs"/>)
    /// merged by ts; equal ts are broken by session order, and within a session the order is kept.
    /// </summary>
    public static IEnumerable<SimulatedEvent> Interleave(IEnumerable<SimulatedSession> sessionsByStart)
    {
        ArgumentNullException.ThrowIfNull(sessionsByStart);
        var active = new PriorityQueue<(SimulatedSession Session, int Next), (long Ts, long Order)>(
            Comparer<(long Ts, long Order)>.Create(static (x, y) => x.Ts != y.Ts ? x.Ts.CompareTo(y.Ts) : x.Order.CompareTo(y.Order)));
        long order = 0;
        using var source = sessionsByStart.GetEnumerator();
        var pending = source.MoveNext() ? source.Current : null;
        while (true)
        {
            // Admit every session that starts no later than the earliest pending event.
            while (pending is not null && (!active.TryPeek(out _, out var head) || pending.StartTs <= head.Ts))
            {
                active.Enqueue((pending, 0), (pending.StartTs, order++));
                pending = source.MoveNext() ? source.Current : null;
            }
            if (!active.TryDequeue(out var item, out var priority))
            {
                yield break;
            }
            var (session, index) = item;
            yield return new SimulatedEvent(session.Events[index], session);
            if (index + 1 < session.Events.Count)
            {
                active.Enqueue((session, index + 1), (session.Events[index + 1].Ts, priority.Order));
            }
        }
    }
}

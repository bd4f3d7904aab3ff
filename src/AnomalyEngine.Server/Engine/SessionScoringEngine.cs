using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Server.Alerts;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.State.Sessions;

namespace AnomalyEngine.Server.Engine;

/// <summary>
/// The live path for one validated batch: group by session, apply each session's events atomically in
/// Redis, check a signed-in session once against its user's history, score each new state, return
/// one verdict per session. gRPC-free so the services stay thin.
/// </summary>
public sealed class SessionScoringEngine(RedisSessionStore store, UserHistoryStore users, ISessionScorerSource scorers, AlertProducer alerts, EngineMetrics metrics)
{
    /// <summary>
    /// One session touched by a batch: its verdict, the event that produced it, and the cursor of the
    /// alert the verdict raised (null when it raised none).
    /// </summary>
    public readonly record struct SessionOutcome(Verdict Verdict, SessionEvent Trigger, SessionSnapshot Snapshot, string? AlertCursor = null);

    /// <summary>
    /// Applies a batch (already validated) and scores every session it touched, in order of first
    /// appearance. Events of one session are applied in ts order (stable for equal ts).
    /// </summary>
    public async Task<SessionOutcome[]> TrackAsync(string tenant, IReadOnlyList<SessionEvent> events)
    {
        var scorer = scorers.Current;
        if (IsOneSession(events))
        {
            // The common unary call: no grouping, no task array.
            return [await ApplyAndScoreAsync(tenant, InTsOrder(events), scorer)];
        }
        var groups = GroupBySession(events);
        var tasks = new Task<SessionOutcome>[groups.Count];
        for (var i = 0; i < groups.Count; i++)
        {
            tasks[i] = ApplyAndScoreAsync(tenant, InTsOrder(groups[i]), scorer);
        }
        return await Task.WhenAll(tasks);
    }

    /// <summary>The live state and verdict of a session; null when unknown.</summary>
    public async Task<(SessionSnapshot Snapshot, Verdict Verdict, IReadOnlyList<KeyValuePair<string, double>> Features)?> GetAsync(string tenant, string sessionId)
    {
        var snapshot = await store.GetAsync(tenant, sessionId);
        if (snapshot is null)
        {
            return null;
        }
        var scorer = scorers.Current;
        return (snapshot, scorer.Score(snapshot.State, final: false), scorer.DescribeFeatures(snapshot.State));
    }

    /// <summary>Ends a session: deletes its state and returns its final verdict; null when unknown.</summary>
    public async Task<Verdict?> EndAsync(string tenant, string sessionId)
    {
        var snapshot = await store.EndAsync(tenant, sessionId);
        return snapshot is null ? null : scorers.Current.Score(snapshot.State, final: true);
    }

    private async Task<SessionOutcome> ApplyAndScoreAsync(string tenant, IReadOnlyList<SessionEvent> sessionEvents, ISessionScorer scorer)
    {
        var sessionId = sessionEvents[0].SessionId;
        var due = DueEvent(sessionEvents);
        var batchUser = due is null ? null : LatestUserId(sessionEvents);
        // Where one node holds every key (a single Redis or Garnet), the apply also checks the
        // session against its user's history when this batch makes it due: one call, not three.
        var result = await store.ApplyAsync(tenant, sessionId, sessionEvents, batchUser is null ? null : new UserCheckRequest(batchUser, due!));
        var state = result.Snapshot.State;
        if (state.UserCheck is null && state.UserId is { } user && due is not null)
        {
            // Not checked by the apply (on a cluster the user's key lives in another slot; or the
            // state's user came from an earlier batch): two more round trips, once per signed-in
            // session. A crash between them repeats the check, which answers the same.
            var check = await users.CheckAsync(tenant, sessionId, user, due);
            await store.RecordUserCheckAsync(tenant, sessionId, check);
            state.UserCheck = check;
        }
        var verdict = scorer.Score(state, final: false);
        metrics.Scored(tenant, sessionEvents.Count, verdict);
        // Raised before returning, so an alert the caller is told about is already durable in Redis.
        var alertCursor = verdict.Anomalous ? await alerts.RaiseAsync(tenant, verdict, sessionEvents[^1]) : null;
        return new SessionOutcome(verdict, sessionEvents[^1], result.Snapshot, alertCursor);
    }

    /// <summary>The batch's latest user id (the one the state keeps), or null.</summary>
    private static string? LatestUserId(IReadOnlyList<SessionEvent> sessionEvents)
    {
        for (var i = sessionEvents.Count - 1; i >= 0; i--)
        {
            if (!string.IsNullOrEmpty(sessionEvents[i].UserId))
            {
                return sessionEvents[i].UserId;
            }
        }
        return null;
    }

    /// <summary>
    /// The event a batch's user history check uses, as the offline replay picks it event by event
    /// (<see cref="UserHistory.IsDue"/>): the first that carries some context attribute, at or after
    /// the batch's first event with a user id (from the start when none has one: the state had it).
    /// </summary>
    private static SessionEvent? DueEvent(IReadOnlyList<SessionEvent> sessionEvents)
    {
        var from = 0;
        while (from < sessionEvents.Count && string.IsNullOrEmpty(sessionEvents[from].UserId))
        {
            from++;
        }
        if (from == sessionEvents.Count)
        {
            from = 0;
        }
        for (var i = from; i < sessionEvents.Count; i++)
        {
            if (UserHistory.CarriesContext(sessionEvents[i]))
            {
                return sessionEvents[i];
            }
        }
        return null;
    }

    private static bool IsOneSession(IReadOnlyList<SessionEvent> events)
    {
        if (events.Count == 0)
        {
            return false;
        }
        for (var i = 1; i < events.Count; i++)
        {
            if (!string.Equals(events[i].SessionId, events[0].SessionId, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The batch's sessions in order of first appearance, each with its events in arrival order.</summary>
    private static List<List<SessionEvent>> GroupBySession(IReadOnlyList<SessionEvent> events)
    {
        var groups = new List<List<SessionEvent>>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!index.TryGetValue(e.SessionId, out var g))
            {
                g = groups.Count;
                index[e.SessionId] = g;
                groups.Add([]);
            }
            groups[g].Add(e);
        }
        return groups;
    }

    /// <summary>One session's events ordered by ts, equal timestamps in arrival order; the list itself when already so.</summary>
    private static IReadOnlyList<SessionEvent> InTsOrder(IReadOnlyList<SessionEvent> events)
    {
        if (IsSortedByTs(events))
        {
            return events;
        }
        // Array.Sort is not stable; order by (ts, arrival) to keep equal timestamps in arrival order.
        var order = new (SessionEvent E, int I)[events.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = (events[i], i);
        }
        Array.Sort(order, static (x, y) => x.E.Ts != y.E.Ts ? x.E.Ts.CompareTo(y.E.Ts) : x.I.CompareTo(y.I));
        var sorted = new SessionEvent[order.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            sorted[i] = order[i].E;
        }
        return sorted;
    }

    private static bool IsSortedByTs(IReadOnlyList<SessionEvent> events)
    {
        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Ts < events[i - 1].Ts)
            {
                return false;
            }
        }
        return true;
    }
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Training;

namespace AnomalyEngine.Scoring.Evaluation;

/// <summary>One evaluated session: its highest score over all prefixes and when it first alerted.</summary>
/// <param name="SessionId">The session.</param>
/// <param name="Anomalous">Its label.</param>
/// <param name="Class">Its attack class, when the labels have one.</param>
/// <param name="Events">Events replayed.</param>
/// <param name="MaxScore">Highest calibrated score over all prefixes (what an alert sees).</param>
/// <param name="FirstAlertEvent">1-based event count at which it first crossed the threshold, or 0.</param>
public sealed record SessionOutcome(string SessionId, bool Anomalous, string? Class, long Events, double MaxScore, long FirstAlertEvent)
{
    /// <summary>Whether any prefix alerted.</summary>
    public bool Flagged => FirstAlertEvent > 0;
}

/// <summary>
/// Replays labelled sessions through a scorer exactly as the live path would (a score after every
/// event, then the final verdict when the session ends) and records per-session outcomes. Sessions run in parallel: the scorer is thread-safe.
/// User history is checked across all the given sessions, labelled or not (<see cref="UserChecks"/>).
/// </summary>
public static class SessionEvaluator
{
    /// <summary>Scores every labelled session that <paramref name="include"/> accepts.</summary>
    public static List<SessionOutcome> Run(
        BundleSessionScorer scorer,
        List<KeyValuePair<string, List<SessionEvent>>> sessions,
        IReadOnlyDictionary<string, SessionLabel> labels,
        Func<string, SessionLabel, bool>? include = null,
        SessionLimits? limits = null,
        Action<int>? progress = null)
    {
        var selected = new List<(string Id, List<SessionEvent> Events, SessionLabel Label)>();
        foreach (var (id, list) in sessions)
        {
            if (labels.TryGetValue(id, out var label) && (include is null || include(id, label)))
            {
                selected.Add((id, list, label));
            }
        }
        var users = UserChecks.Run(sessions, limits);
        var outcomes = new SessionOutcome[selected.Count];
        var threshold = scorer.Thresholder.AlertThreshold;
        var done = 0;
        Parallel.For(0, selected.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var (id, list, label) = selected[i];
            double max = 0;
            long first = 0, n = 0;
            SessionState? last = null;
            foreach (var state in SessionReplayer.Prefixes(list, limits, users))
            {
                n++;
                last = state;
                var score = scorer.ScoreValue(state, final: false);
                if (score > max)
                {
                    max = score;
                }
                if (first == 0 && score >= threshold)
                {
                    first = n;
                }
            }
            if (last is not null)
            {
                // The session then ends (EndSession / offline score): its final verdict counts too.
                var score = scorer.ScoreValue(last, final: true);
                max = Math.Max(max, score);
                if (first == 0 && score >= threshold)
                {
                    first = n;
                }
            }
            outcomes[i] = new SessionOutcome(id, label.Anomalous, label.Class, n, max, first);
            var d = Interlocked.Increment(ref done);
            if ((d & 1023) == 0)
            {
                progress?.Invoke(d);
            }
        });
        return [.. outcomes];
    }
}

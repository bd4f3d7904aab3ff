using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Core.Verdicts;

/// <summary>
/// Turns a session's state into a verdict: features, detectors, model score, calibration,
/// threshold and reasons. Implementations are immutable and thread-safe; a model reload swaps
/// the whole scorer.
/// </summary>
public interface ISessionScorer
{
    /// <summary>Version of the model bundle behind this scorer.</summary>
    string ModelVersion { get; }

    /// <summary>Scores the state. <paramref name="final"/> marks the verdict of an ended session.</summary>
    Verdict Score(SessionState state, bool final);

    /// <summary>The feature vector the model sees for this state, by feature name, in model order.</summary>
    IReadOnlyList<KeyValuePair<string, double>> DescribeFeatures(SessionState state);
}

using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Server.Engine;

/// <summary>
/// Stand-in scorer until a model bundle is loaded: the score is the share of failed actions, damped
/// for short sessions. Documented in the README as the baseline; the ML.NET bundle replaces it.
/// </summary>
public sealed class BaselineScorer : ISessionScorer, ISessionScorerSource
{
    /// <inheritdoc />
    public string ModelVersion => "baseline-failed-actions";

    /// <inheritdoc />
    public ISessionScorer Current => this;

    /// <inheritdoc />
    public Verdict Score(SessionState state, bool final)
    {
        var score = state.Failures / (state.Actions + 3.0);
        var anomalous = score >= 0.5;
        var reasons = anomalous
            ? new[] { new Reason("FAILED_ACTION_RATIO", "failed_actions", $"{state.Failures} of {state.Actions} actions failed", 1.0, new Dictionary<string, string> { ["failures"] = state.Failures.ToString(System.Globalization.CultureInfo.InvariantCulture) }) }
            : [];
        return new Verdict(state.SessionId, score, anomalous ? Severity.Medium : Severity.None, anomalous, reasons, ModelVersion, state.Events, state.UserId, final);
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, double>> DescribeFeatures(SessionState state) =>
        [new("failures", state.Failures), new("actions", state.Actions)];
}

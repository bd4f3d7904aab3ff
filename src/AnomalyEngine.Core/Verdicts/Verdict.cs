namespace AnomalyEngine.Core.Verdicts;

/// <summary>Severity band of a calibrated score; values match the proto enum.</summary>
public enum Severity
{
    /// <summary>Below the alert threshold.</summary>
    None = 1,
    /// <summary>Just over the threshold.</summary>
    Low = 2,
    /// <summary>Clearly anomalous.</summary>
    Medium = 3,
    /// <summary>Rarer than almost every normal session.</summary>
    High = 4,
    /// <summary>Far beyond anything seen in normal traffic.</summary>
    Critical = 5,
}

/// <summary>One ranked reason behind a verdict.</summary>
/// <param name="Code">Stable code such as <c>NAV_UNSEEN_TRANSITION</c>.</param>
/// <param name="Detector"><c>navigation</c>, <c>durations</c>, <c>failed_actions</c>, <c>context</c> or <c>model</c>.</param>
/// <param name="Message">A sentence an analyst understands without reading code.</param>
/// <param name="Contribution">Share of the score this reason explains, in [0,1].</param>
/// <param name="Evidence">The numbers behind the message.</param>
public sealed record Reason(
    string Code,
    string Detector,
    string Message,
    double Contribution,
    IReadOnlyDictionary<string, string> Evidence);

/// <summary>A session's verdict after the events seen so far.</summary>
public sealed record Verdict(
    string SessionId,
    double Score,
    Severity Severity,
    bool Anomalous,
    IReadOnlyList<Reason> Reasons,
    string ModelVersion,
    long EventsSeen,
    string? UserId,
    bool Final);

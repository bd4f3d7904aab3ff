using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Scoring.Calibration;

/// <summary>
/// Decides on a calibrated score: anomalous at or above <see cref="AlertThreshold"/>, and a severity
/// band by how much rarer than the threshold the score is. With r = 1 − score and r₀ = 1 − threshold:
/// Low r ≤ r₀; Medium r ≤ r₀/3; High r ≤ r₀/10; Critical r ≤ r₀/100 (documented in docs/quality.md).
/// Scoring and deciding are separate so a threshold can change without rescoring.
/// </summary>
public sealed class AlertThresholder(double alertThreshold)
{
    /// <summary>Calibrated score at or above which a session is anomalous.</summary>
    public double AlertThreshold { get; } = alertThreshold;

    /// <summary>Band boundaries on the calibrated score: Low, Medium, High, Critical.</summary>
    public (double Low, double Medium, double High, double Critical) Bands
    {
        get
        {
            var r0 = 1 - AlertThreshold;
            return (AlertThreshold, 1 - r0 / 3, 1 - r0 / 10, 1 - r0 / 100);
        }
    }

    /// <summary>Whether the score alerts and its severity.</summary>
    public Severity Decide(double score, out bool anomalous)
    {
        anomalous = score >= AlertThreshold;
        if (!anomalous)
        {
            return Severity.None;
        }
        var r0 = 1 - AlertThreshold;
        var r = 1 - score;
        if (r <= r0 / 100)
        {
            return Severity.Critical;
        }
        if (r <= r0 / 10)
        {
            return Severity.High;
        }
        return r <= r0 / 3 ? Severity.Medium : Severity.Low;
    }
}

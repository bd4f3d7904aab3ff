using System.Globalization;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// What the detectors need to explain a verdict: the state, the baselines, the feature vector (raw
/// and standardized) and each component's surprise (−ln tail probability). Built only when a
/// verdict is anomalous or an explanation is asked for, so allocation here is fine.
/// </summary>
public sealed class ExplainContext
{
    /// <summary>Surprise below which a component is not worth a reason (p ≈ 5 %).</summary>
    public const double MinSurprise = 3.0;

    private readonly IReadOnlyList<DetectorComponent> _components;
    private readonly double[] _surprises;

    /// <summary>Creates the context.</summary>
    public ExplainContext(SessionState state, SessionBaselines baselines, double[] features, double[] standardized,
        IReadOnlyList<DetectorComponent> components, double[] surprises)
    {
        State = state;
        Baselines = baselines;
        Features = features;
        Standardized = standardized;
        _components = components;
        _surprises = surprises;
        foreach (var s in surprises)
        {
            TotalSurprise += s;
        }
    }

    /// <summary>The session state.</summary>
    public SessionState State { get; }
    /// <summary>The baselines.</summary>
    public SessionBaselines Baselines { get; }
    /// <summary>Feature values in <see cref="FeatureSchema"/> order.</summary>
    public double[] Features { get; }
    /// <summary>Standardized features (per length group).</summary>
    public double[] Standardized { get; }
    /// <summary>Σ of all component surprises.</summary>
    public double TotalSurprise { get; }

    /// <summary>Surprise of a component by name (0 when absent).</summary>
    public double Surprise(string component)
    {
        for (var i = 0; i < _components.Count; i++)
        {
            if (_components[i].Name == component)
            {
                return _surprises[i];
            }
        }
        return 0;
    }

    /// <summary>Adds a reason whose contribution is its component's share of the total surprise.</summary>
    public void Add(List<Reason> reasons, string code, string detector, string message, double surprise, Dictionary<string, string> evidence)
    {
        var contribution = TotalSurprise > 0 ? Math.Clamp(surprise / TotalSurprise, 0, 1) : 0;
        evidence["surprise"] = Fmt(surprise, "0.00");
        reasons.Add(new Reason(code, detector, message, contribution, evidence));
    }

    /// <summary>Invariant number formatting.</summary>
    public static string Fmt(double v, string format = "0.##") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A duration for people: "200 ms", "8.4 s", "3.1 min".</summary>
    public static string FormatMs(double ms)
    {
        if (ms < 1000)
        {
            return Fmt(ms, "0") + " ms";
        }
        return ms < 60_000 ? Fmt(ms / 1000, "0.#") + " s" : Fmt(ms / 60_000, "0.#") + " min";
    }

    /// <summary>"a → b" from a transition key.</summary>
    public static string Arrow(string transitionKey)
    {
        var (from, to) = SessionState.SplitTransition(transitionKey);
        return $"{from} → {to}";
    }
}

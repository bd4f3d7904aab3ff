using AnomalyEngine.Core.Detectors;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring.Calibration;
using AnomalyEngine.Scoring.Models;

namespace AnomalyEngine.Scoring;

/// <summary>
/// The <see cref="ISessionScorer"/> of a model bundle: scorer (features → components → raw score
/// → calibrated score) then thresholder (score → anomalous, severity) then, only for anomalous
/// verdicts or when asked, reasons. Immutable and thread-safe; the hot path allocates only the verdict.
/// </summary>
public sealed class BundleSessionScorer : ISessionScorer
{
    private static readonly IReadOnlyList<Reason> NoReasons = [];

    /// <summary>Creates a scorer from a complete model.</summary>
    public BundleSessionScorer(string modelVersion, ScoringModel model, SessionCalibration calibration, AlertThresholder thresholder)
    {
        if (model.Tails is null)
        {
            throw new ArgumentException("the model has no tail tables", nameof(model));
        }
        ModelVersion = modelVersion;
        Model = model;
        Calibration = calibration;
        Thresholder = thresholder;
    }

    /// <inheritdoc />
    public string ModelVersion { get; }
    /// <summary>The scoring pipeline.</summary>
    public ScoringModel Model { get; }
    /// <summary>Raw → calibrated score.</summary>
    public SessionCalibration Calibration { get; }
    /// <summary>Calibrated score → decision.</summary>
    public AlertThresholder Thresholder { get; }

    /// <summary>Calibrated score of a state, without building a verdict.</summary>
    public double ScoreValue(SessionState state, bool final) => Calibration.Score(Model.RawScore(state, final));

    /// <inheritdoc />
    public Verdict Score(SessionState state, bool final) => Score(state, final, explain: false);

    /// <summary>Scores; reasons are built when anomalous or when <paramref name="explain"/> is set.</summary>
    public Verdict Score(SessionState state, bool final, bool explain)
    {
        var n = Model.ComponentCount;
        Span<double> f = stackalloc double[FeatureSchema.Count];
        Span<double> z = stackalloc double[FeatureSchema.Count];
        Span<double> v = stackalloc double[n];
        Span<double> s = stackalloc double[n];
        Model.ComputeComponents(state, final, f, z, v);
        var raw = Model.RawScore(Model.GroupOf(state, final), v, s);
        var score = Calibration.Score(raw);
        var severity = Thresholder.Decide(score, out var anomalous);
        var reasons = anomalous || explain ? Explain(state, f.ToArray(), z.ToArray(), s.ToArray()) : NoReasons;
        return new Verdict(state.SessionId, score, severity, anomalous, reasons, ModelVersion, state.Events, state.UserId, final);
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, double>> DescribeFeatures(SessionState state)
    {
        var f = new double[FeatureSchema.Count];
        Model.Extractor.Extract(state, f);
        var list = new List<KeyValuePair<string, double>>(f.Length);
        for (var i = 0; i < f.Length; i++)
        {
            list.Add(new(FeatureSchema.Names[i], f[i]));
        }
        return list;
    }

    private List<Reason> Explain(SessionState state, double[] features, double[] z, double[] surprises)
    {
        var ctx = new ExplainContext(state, Model.Baselines, features, z, Model.Components, surprises);
        var reasons = new List<Reason>();
        FailedActionDetector.Explain(ctx, reasons);
        NavigationDetector.Explain(ctx, reasons);
        DurationDetector.Explain(ctx, reasons);
        ContextDetector.Explain(ctx, reasons);
        ModelOutlierExplainer.Explain(ctx, reasons);
        // Most important first; ties keep detector order so output is stable.
        var ranked = new List<(Reason R, int I)>(reasons.Count);
        for (var i = 0; i < reasons.Count; i++)
        {
            ranked.Add((reasons[i], i));
        }
        ranked.Sort((a, b) => a.R.Contribution != b.R.Contribution ? b.R.Contribution.CompareTo(a.R.Contribution) : a.I.CompareTo(b.I));
        reasons.Clear();
        foreach (var (r, _) in ranked)
        {
            reasons.Add(r);
        }
        PutWordsBeforeTheModel(reasons, z);
        return reasons;
    }

    // The PCA's reason names the features furthest from normal. When a detector explains the
    // furthest one in words ("18 failed login in 13.6 s" for fail_per_minute at z +1584) but ranks
    // below the model, the model's reason moves to right after it: the same evidence, said plainly first.
    private static void PutWordsBeforeTheModel(List<Reason> reasons, double[] z)
    {
        var model = reasons.FindIndex(r => r.Code == ModelOutlierExplainer.Code);
        if (model < 0)
        {
            return;
        }
        Span<int> furthest = stackalloc int[1];
        ModelOutlierExplainer.Furthest(z, furthest);
        var owner = DetectorNames.OfFeature(FeatureSchema.Names[furthest[0]]);
        var words = reasons.FindIndex(r => r.Detector == owner);
        if (owner is null || words < model)
        {
            return;
        }
        var reason = reasons[model];
        reasons.RemoveAt(model);
        reasons.Insert(words, reason); // right after the detector's first reason
    }
}

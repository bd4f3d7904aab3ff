using AnomalyEngine.Core.Detectors;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Calibration;

namespace AnomalyEngine.Scoring.Models;

/// <summary>
/// The scoring pipeline of one bundle, from state to raw score:
/// features → component values (detector features + PCA score, PCA residual, magnitude, supervised)
/// → per-length-group tail surprise of each component → raw = max surprise + 0.35 · Σ surprises,
/// in which the three PCA components count once, with the largest of them.
/// Live verdicts compare the session with training prefixes of its length group; final verdicts
/// (ended sessions) with finished training sessions (one extra group, <see cref="FinalGroup"/>) and
/// add the final-only components (exit point, missing names, length).
/// The max makes one clearly broken aspect (an unseen transition, a failure burst) enough to alert;
/// the sum ranks sessions that are odd in several ways above those odd in one (0.35 lets several
/// moderately odd aspects, e.g. an account takeover's rare pages plus fast steps, add up).
/// Immutable and thread-safe.
/// </summary>
public sealed class ScoringModel
{
    /// <summary>Weight of the sum of surprises next to their maximum.</summary>
    public const double SumWeight = 0.35;

    /// <summary>Components the model adds to the detector components.</summary>
    public static readonly DetectorComponent PcaScore = new("model_pca_score", DetectorNames.Model, -1, false, 0.01);
    /// <summary>Absolute PCA reconstruction residual (√SPE): the relative score is blind to magnitude.</summary>
    public static readonly DetectorComponent PcaResidual = new("model_pca_residual", DetectorNames.Model, -1, false, 0.1);
    /// <summary>Distance from the training mean in standardized units, per √dimension.</summary>
    public static readonly DetectorComponent Magnitude = new("model_magnitude", DetectorNames.Model, -1, false, 0.1);
    /// <summary>Probability from the supervised model.</summary>
    public static readonly DetectorComponent Supervised = new("model_supervised", DetectorNames.Model, -1, false, 0.01);

    private readonly DetectorComponent[] _components;
    private readonly int _featureComponents;

    /// <summary>Assembles a model; <paramref name="tails"/> may be null while training computes them.</summary>
    public ScoringModel(
        SessionBaselines baselines,
        LengthGroups groups,
        FeatureStandardizer standardizer,
        PcaProjection pca,
        SupervisedModel? supervised,
        TailTable[][]? tails)
    {
        Baselines = baselines;
        Extractor = new SessionFeatureExtractor(baselines);
        Groups = groups;
        Standardizer = standardizer;
        Pca = pca;
        SupervisedModel = supervised;
        var list = new List<DetectorComponent>(DetectorComponents.FeatureComponents) { PcaScore, PcaResidual, Magnitude };
        _featureComponents = DetectorComponents.FeatureComponents.Count;
        if (supervised is not null)
        {
            list.Add(Supervised);
        }
        _components = [.. list];
        if (tails is not null && tails.Length != _components.Length)
        {
            throw new ArgumentException($"expected tails for {_components.Length} components, got {tails.Length}", nameof(tails));
        }
        Tails = tails;
    }

    /// <summary>Training baselines.</summary>
    public SessionBaselines Baselines { get; }
    /// <summary>The feature code (shared with training).</summary>
    public SessionFeatureExtractor Extractor { get; }
    /// <summary>Length groups of live (prefix) verdicts.</summary>
    public LengthGroups Groups { get; }
    /// <summary>Index of the group of final verdicts (after the length groups).</summary>
    public int FinalGroup => Groups.Count;
    /// <summary>Length groups plus the final group.</summary>
    public int GroupCount => Groups.Count + 1;
    /// <summary>The group a state is compared with.</summary>
    public int GroupOf(SessionState state, bool final) => final ? FinalGroup : Groups.Of(state.Events);
    /// <summary>Per-group standardizer.</summary>
    public FeatureStandardizer Standardizer { get; }
    /// <summary>PCA parameters.</summary>
    public PcaProjection Pca { get; }
    /// <summary>Supervised model, when trained with labels.</summary>
    public SupervisedModel? SupervisedModel { get; }
    /// <summary>Tail tables [component][group].</summary>
    public TailTable[][]? Tails { get; }
    /// <summary>Components in order.</summary>
    public IReadOnlyList<DetectorComponent> Components => _components;
    /// <summary>Number of components.</summary>
    public int ComponentCount => _components.Length;

    /// <summary>Computes features, their standardized form and component values. Allocation-free without a supervised model.</summary>
    public void ComputeComponents(SessionState state, bool final, Span<double> features, Span<double> z, Span<double> values)
    {
        Extractor.Extract(state, features, final);
        ComponentsFromFeatures(features, GroupOf(state, final), z, values);
    }

    /// <summary>Component values from an already extracted feature vector of a session in <paramref name="group"/>.</summary>
    public void ComponentsFromFeatures(ReadOnlySpan<double> features, int group, Span<double> z, Span<double> values)
    {
        Standardizer.Standardize(features, group, z);
        for (var c = 0; c < _featureComponents; c++)
        {
            values[c] = DetectorComponents.Value(_components[c], features, z);
        }
        var rel = Pca.Score(z, out var dist2, out var res2);
        values[_featureComponents] = rel;
        values[_featureComponents + 1] = Math.Sqrt(res2);
        values[_featureComponents + 2] = Math.Sqrt(dist2 / FeatureSchema.ModelInputCount);
        if (SupervisedModel is not null)
        {
            values[_featureComponents + 3] = SupervisedModel.Predict(z);
        }
    }

    /// <summary>Turns component values into surprises and the raw score. Requires tails.</summary>
    public double RawScore(int group, ReadOnlySpan<double> values, Span<double> surprises)
    {
        var tails = Tails ?? throw new InvalidOperationException("the model has no tail tables yet");
        var final = group == FinalGroup;
        double max = 0, sum = 0, pcaMax = 0;
        for (var c = 0; c < _components.Length; c++)
        {
            if (!final && _components[c].Mode == ComponentMode.FinalOnly)
            {
                surprises[c] = 0;
                continue;
            }
            var s = tails[c][group].Surprise(values[c]);
            surprises[c] = s;
            if (IsPcaView(c))
            {
                pcaMax = Math.Max(pcaMax, s);
            }
            else
            {
                sum += s;
            }
            max = Math.Max(max, s);
        }
        return max + SumWeight * (sum + pcaMax);
    }

    // The PCA's relative error, residual and magnitude are three views of one standardized vector:
    // one extreme feature lifts all three, so the sum counts the PCA's evidence once, by its largest.
    private bool IsPcaView(int component) => component >= _featureComponents && component < _featureComponents + 3;

    /// <summary>Raw score of a state in one call (uses stack buffers).</summary>
    public double RawScore(SessionState state, bool final)
    {
        Span<double> f = stackalloc double[FeatureSchema.Count];
        Span<double> z = stackalloc double[FeatureSchema.Count];
        Span<double> v = stackalloc double[_components.Length];
        Span<double> s = stackalloc double[_components.Length];
        ComputeComponents(state, final, f, z, v);
        return RawScore(GroupOf(state, final), v, s);
    }
}

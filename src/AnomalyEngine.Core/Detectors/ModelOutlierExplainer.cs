using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>Explains the multivariate model: which standardized features sit furthest from normal sessions of this length.</summary>
public static class ModelOutlierExplainer
{
    /// <summary>The reason code of the multivariate model.</summary>
    public const string Code = "MODEL_OUTLIER";

    /// <summary>Appends a MODEL_OUTLIER reason when a model component is surprising enough.</summary>
    public static void Explain(ExplainContext ctx, List<Reason> reasons)
    {
        var surprise = Math.Max(Math.Max(ctx.Surprise("model_pca_score"), ctx.Surprise("model_pca_residual")), ctx.Surprise("model_magnitude"));
        var supervised = ctx.Surprise("model_supervised");
        if (surprise >= ExplainContext.MinSurprise)
        {
            // The three features furthest from the group mean.
            var z = ctx.Standardized;
            var top = new int[3];
            Furthest(z, top);
            var parts = new List<string>();
            var evidence = new Dictionary<string, string>();
            foreach (var i in top)
            {
                if (i >= 0)
                {
                    parts.Add($"{FeatureSchema.Names[i]} (z {ExplainContext.Fmt(z[i], "+0.0;-0.0")})");
                    evidence[FeatureSchema.Names[i]] = ExplainContext.Fmt(ctx.Features[i], "0.###");
                }
            }
            ctx.Add(reasons, Code, DetectorNames.Model,
                $"feature combination unlike normal sessions of this length; furthest: {string.Join(", ", parts)}", surprise, evidence);
        }
        if (supervised >= ExplainContext.MinSurprise)
        {
            ctx.Add(reasons, "MODEL_SUPERVISED", DetectorNames.Model,
                "resembles sessions labelled anomalous in training", supervised, []);
        }
    }

    /// <summary>
    /// Fills <paramref name="top"/> with the indexes of the standardized features furthest from the
    /// group mean, furthest first (the lower index on ties; −1 where there are fewer features).
    /// </summary>
    public static void Furthest(ReadOnlySpan<double> z, Span<int> top)
    {
        top.Fill(-1);
        var n = Math.Min(z.Length, FeatureSchema.Count);
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < top.Length; k++)
            {
                if (top[k] < 0 || Math.Abs(z[i]) > Math.Abs(z[top[k]]))
                {
                    for (var m = top.Length - 1; m > k; m--)
                    {
                        top[m] = top[m - 1];
                    }
                    top[k] = i;
                    break;
                }
            }
        }
    }
}

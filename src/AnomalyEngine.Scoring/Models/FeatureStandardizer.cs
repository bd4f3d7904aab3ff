using AnomalyEngine.Core.Features;

namespace AnomalyEngine.Scoring.Models;

/// <summary>
/// Per length-group z-scoring of the feature vector: the multivariate model compares a session with
/// training prefixes of similar length, not with finished sessions.
/// </summary>
public sealed class FeatureStandardizer
{
    /// <summary>Floor on a feature's spread, so a feature constant in training (e.g. no unseen names) still counts when it moves.</summary>
    public const double MinScale = 0.05;

    /// <summary>Creates the standardizer from per-group means and scales ([group][feature]).</summary>
    public FeatureStandardizer(double[][] means, double[][] scales)
    {
        Means = means;
        Scales = scales;
    }

    /// <summary>Means by group and feature.</summary>
    public double[][] Means { get; }

    /// <summary>Scales by group and feature.</summary>
    public double[][] Scales { get; }

    /// <summary>Writes z = (x − mean) / scale of <paramref name="group"/>.</summary>
    public void Standardize(ReadOnlySpan<double> features, int group, Span<double> z)
    {
        var m = Means[group];
        var s = Scales[group];
        var n = Math.Min(m.Length, FeatureSchema.ModelInputCount);
        for (var i = 0; i < n; i++)
        {
            z[i] = (features[i] - m[i]) / s[i];
        }
        // Features past ModelInputCount feed only their detector components, not PCA/LightGbm.
        for (var i = n; i < m.Length; i++)
        {
            z[i] = 0;
        }
    }

    /// <summary>Fits means and standard deviations per group.</summary>
    public static FeatureStandardizer Fit(float[] rows, byte[] groupOfRow, int rowCount, int dim, int groups)
    {
        var means = new double[groups][];
        var scales = new double[groups][];
        var counts = new long[groups];
        for (var g = 0; g < groups; g++)
        {
            means[g] = new double[dim];
            scales[g] = new double[dim];
        }
        for (var r = 0; r < rowCount; r++)
        {
            var g = groupOfRow[r];
            counts[g]++;
            var m = means[g];
            for (var i = 0; i < dim; i++)
            {
                m[i] += rows[r * dim + i];
            }
        }
        for (var g = 0; g < groups; g++)
        {
            for (var i = 0; i < dim; i++)
            {
                means[g][i] /= Math.Max(1, counts[g]);
            }
        }
        for (var r = 0; r < rowCount; r++)
        {
            var g = groupOfRow[r];
            for (var i = 0; i < dim; i++)
            {
                var d = rows[r * dim + i] - means[g][i];
                scales[g][i] += d * d;
            }
        }
        for (var g = 0; g < groups; g++)
        {
            for (var i = 0; i < dim; i++)
            {
                scales[g][i] = Math.Max(Math.Sqrt(scales[g][i] / Math.Max(1, counts[g] - 1)), MinScale);
            }
        }
        return new FeatureStandardizer(means, scales);
    }
}

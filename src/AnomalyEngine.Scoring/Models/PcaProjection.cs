namespace AnomalyEngine.Scoring.Models;

/// <summary>
/// The parameters of a trained ML.NET RandomizedPca model (mean and orthonormal eigenvectors), read
/// out of the model after training so that single rows are scored in plain C#: thread-safe, no
/// allocation, no PredictionEngine. <see cref="Score"/> reproduces ML.NET's score (relative
/// reconstruction error); a unit test checks both agree.
/// </summary>
public sealed class PcaProjection
{
    /// <summary>Creates a projection from the model's mean and eigenvectors ([rank][dim]).</summary>
    public PcaProjection(double[] mean, double[][] eigenvectors)
    {
        Mean = mean;
        Eigenvectors = eigenvectors;
    }

    /// <summary>Training mean in standardized space.</summary>
    public double[] Mean { get; }

    /// <summary>Principal axes, each of length <see cref="Dimension"/>.</summary>
    public double[][] Eigenvectors { get; }

    /// <summary>Input dimension.</summary>
    public int Dimension => Mean.Length;

    /// <summary>Number of principal axes.</summary>
    public int Rank => Eigenvectors.Length;

    /// <summary>
    /// Projects <paramref name="z"/>: returns ML.NET's relative reconstruction error (0 at the mean,
    /// where ML.NET would say NaN) and gives the squared distance from the mean and the absolute
    /// squared residual, because the relative error alone is blind to magnitude.
    /// </summary>
    public double Score(ReadOnlySpan<double> z, out double distanceSquared, out double residualSquared)
    {
        var mean = Mean;
        var dim = mean.Length;
        double norm2 = 0;
        for (var i = 0; i < dim; i++)
        {
            var d = z[i] - mean[i];
            norm2 += d * d;
        }
        double proj2 = 0;
        foreach (var v in Eigenvectors)
        {
            double dot = 0;
            for (var i = 0; i < dim; i++)
            {
                dot += v[i] * (z[i] - mean[i]);
            }
            proj2 += dot * dot;
        }
        distanceSquared = norm2;
        residualSquared = Math.Max(0, norm2 - proj2);
        return norm2 > 0 ? Math.Sqrt(residualSquared / norm2) : 0;
    }
}

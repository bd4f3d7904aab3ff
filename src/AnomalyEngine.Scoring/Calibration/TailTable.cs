namespace AnomalyEngine.Scoring.Calibration;

/// <summary>
/// Empirical upper tail of one component over training prefixes of one length group. Turns a value
/// into a surprise −ln P(training value ≥ x), so components on different scales can be compared.
/// Beyond the largest training value the surprise keeps growing linearly (in units of
/// <see cref="Scale"/>) so that more extreme sessions still rank higher.
/// </summary>
public sealed class TailTable
{
    /// <summary>Most order statistics kept per table.</summary>
    public const int MaxPoints = 1024;

    /// <summary>Creates a table from kept order statistics.</summary>
    public TailTable(double[] sorted, long n, double scale)
    {
        Sorted = sorted;
        N = n;
        Scale = scale;
        _maxSurprise = Math.Log(n + 1.0);
    }

    private readonly double _maxSurprise;

    /// <summary>Kept order statistics, ascending (evenly spaced ranks of the sample).</summary>
    public double[] Sorted { get; }

    /// <summary>Training values behind the table.</summary>
    public long N { get; }

    /// <summary>Extrapolation unit beyond the largest value.</summary>
    public double Scale { get; }

    /// <summary>Builds a table from values (sorted in place).</summary>
    public static TailTable Build(List<double> values, double scaleFloor = 0.1)
    {
        values.Sort();
        var n = values.Count;
        if (n == 0)
        {
            return new TailTable([0.0], 0, 1.0);
        }
        var m = Math.Min(n, MaxPoints);
        var kept = new double[m];
        for (var i = 0; i < m; i++)
        {
            // Evenly spaced ranks, always including the minimum and the maximum.
            var rank = m == 1 ? n - 1 : (int)Math.Round((double)i * (n - 1) / (m - 1));
            kept[i] = values[rank];
        }
        var max = values[n - 1];
        var median = values[(n - 1) / 2];
        var q90 = values[(int)((n - 1) * 0.9)];
        var scale = Math.Max(Math.Max(max - median, q90 - median), scaleFloor);
        return new TailTable(kept, n, scale);
    }

    /// <summary>−ln((#training values ≥ x + 1) / (N + 1)), extended linearly past the maximum.</summary>
    public double Surprise(double x)
    {
        var s = Sorted;
        var m = s.Length;
        if (N == 0 || double.IsNaN(x))
        {
            return 0;
        }
        if (x > s[m - 1])
        {
            return _maxSurprise + (x - s[m - 1]) / Scale;
        }
        // First index with s[i] >= x.
        int lo = 0, hi = m;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (s[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var countGe = (m - lo) * (double)N / m;
        return -Math.Log((countGe + 1.0) / (N + 1.0));
    }
}

namespace AnomalyEngine.Scoring.Calibration;

/// <summary>
/// Upper tail of one component over training prefixes of one length group. Turns a value into a
/// surprise −ln P(training value ≥ x): empirically up to the top ~1 % (<see cref="TailStart"/>),
/// and beyond it an exponential tail (peaks over threshold) with the mean excess as scale, floored
/// by the component's unit, so extreme and never-seen values keep ranking higher instead of
/// saturating at ln(N+1).
/// </summary>
public sealed class TailTable
{
    /// <summary>Most order statistics kept per table.</summary>
    public const int MaxPoints = 512;

    /// <summary>Creates a table from kept order statistics and the fitted tail.</summary>
    public TailTable(double[] sorted, long n, double tailStart, long tailCount, double scale)
    {
        Sorted = sorted;
        N = n;
        TailStart = tailStart;
        TailCount = tailCount;
        Scale = scale;
        _tailBase = Math.Log((n + 1.0) / (tailCount + 1.0));
    }

    private readonly double _tailBase;

    /// <summary>Kept order statistics, ascending (evenly spaced ranks of the sample).</summary>
    public double[] Sorted { get; }

    /// <summary>Training values behind the table.</summary>
    public long N { get; }

    /// <summary>Value above which the exponential tail applies.</summary>
    public double TailStart { get; }

    /// <summary>Training values above <see cref="TailStart"/>.</summary>
    public long TailCount { get; }

    /// <summary>Exponential tail scale (mean excess over <see cref="TailStart"/>, floored by the unit).</summary>
    public double Scale { get; }

    /// <summary>Builds a table from values (sorted in place).</summary>
    public static TailTable Build(List<double> values, double unit)
    {
        values.Sort();
        var n = values.Count;
        if (n == 0)
        {
            return new TailTable([0.0], 0, 0, 0, unit);
        }
        var m = Math.Min(n, MaxPoints);
        var kept = new double[m];
        for (var i = 0; i < m; i++)
        {
            // Evenly spaced ranks, always including the minimum and the maximum.
            var rank = m == 1 ? n - 1 : (int)Math.Round((double)i * (n - 1) / (m - 1));
            kept[i] = values[rank];
        }
        // Tail threshold: the value with ~1 % (at least 10) of the sample above it.
        var above = Math.Min(n - 1, Math.Max(10, (int)Math.Ceiling(0.01 * n)));
        var u = values[n - 1 - above];
        long count = 0;
        double excess = 0;
        for (var i = n - 1; i >= 0 && values[i] > u; i--)
        {
            count++;
            excess += values[i] - u;
        }
        var scale = Math.Max(count == 0 ? 0 : excess / count, unit);
        return new TailTable(kept, n, u, count, scale);
    }

    /// <summary>−ln P(training value ≥ x), exponential beyond <see cref="TailStart"/>.</summary>
    public double Surprise(double x)
    {
        if (N == 0 || double.IsNaN(x))
        {
            return 0;
        }
        if (x > TailStart)
        {
            return _tailBase + (x - TailStart) / Scale;
        }
        var s = Sorted;
        var m = s.Length;
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
        return Math.Max(0, -Math.Log((countGe + 1.0) / (N + 1.0)));
    }
}

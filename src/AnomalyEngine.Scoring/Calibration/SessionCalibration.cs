namespace AnomalyEngine.Scoring.Calibration;

/// <summary>
/// Maps a raw score to a calibrated score in [0,1): the share of held-out normal training sessions
/// whose highest raw score over all their prefixes is lower. Session-level on purpose: a session
/// alerts when any prefix crosses, so the comparison is with each normal session's maximum.
/// Strictly increasing between and beyond the calibration points, so it also ranks extremes.
/// </summary>
public sealed class SessionCalibration
{
    private const double InteriorShare = 0.999;

    /// <summary>Creates the mapping from sorted session maxima.</summary>
    public SessionCalibration(double[] sortedMaxima, long sessions, double tailScale)
    {
        if (sortedMaxima.Length == 0)
        {
            throw new ArgumentException("calibration needs at least one session", nameof(sortedMaxima));
        }
        SortedMaxima = sortedMaxima;
        Sessions = sessions;
        TailScale = tailScale;
    }

    /// <summary>Session maxima of raw score (or evenly spaced order statistics of them), ascending.</summary>
    public double[] SortedMaxima { get; }

    /// <summary>Calibration sessions behind the points.</summary>
    public long Sessions { get; }

    /// <summary>Raw-score unit of the tail beyond the largest maximum.</summary>
    public double TailScale { get; }

    /// <summary>Builds the mapping from raw session maxima.</summary>
    public static SessionCalibration Build(List<double> maxima, int maxPoints = 4096)
    {
        maxima.Sort();
        var n = maxima.Count;
        var m = Math.Min(n, maxPoints);
        var kept = new double[m];
        for (var i = 0; i < m; i++)
        {
            var rank = m == 1 ? n - 1 : (int)Math.Round((double)i * (n - 1) / (m - 1));
            kept[i] = maxima[rank];
        }
        var median = maxima[(n - 1) / 2];
        var tail = Math.Max(maxima[n - 1] - median, 0.5);
        return new SessionCalibration(kept, n, tail);
    }

    /// <summary>The calibrated score of a raw score.</summary>
    public double Score(double raw)
    {
        var s = SortedMaxima;
        var k = s.Length;
        if (double.IsNaN(raw))
        {
            return 0;
        }
        // j = number of points strictly below raw.
        int lo = 0, hi = k;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (s[mid] < raw)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        var j = lo;
        if (j == 0)
        {
            return 0;
        }
        double t;
        if (j == k)
        {
            t = 1.0 - Math.Exp(-(raw - s[k - 1]) / TailScale);
        }
        else
        {
            // Interpolate towards the next point but stay below it: a calibration session's own
            // maximum must not reach the step it opens (it is not "lower than itself").
            var width = s[j] - s[j - 1];
            t = width > 0 ? InteriorShare * (raw - s[j - 1]) / width : 0;
        }
        return (j + t) / (k + 1.0);
    }

    /// <summary>Share of the largest calibration maxima used to fit the tail when the target is beyond the sample.</summary>
    public const double TailFraction = 0.05;

    /// <summary>
    /// The alert threshold on the calibrated score for a target session false-positive rate.
    /// When the sample holds at least ~20 sessions above the target quantile, it is the empirical
    /// quantile (ties kept together). Otherwise, because the largest one or two maxima of a
    /// thousand sessions are a very noisy estimate of a 0.1 % quantile, the tail is modelled:
    /// an exponential fitted to the top <see cref="TailFraction"/> (at least 10) maxima (peaks over
    /// threshold), and the threshold is its (1 − fpr) quantile: raw = u + β·ln((m/k)/fpr).
    /// </summary>
    public double ThresholdFor(double targetFpr, out int calibrationAlerts)
    {
        var s = SortedMaxima;
        var k = s.Length;
        var m = Math.Max(10, (int)Math.Ceiling(TailFraction * k));
        double threshold;
        if (k <= m || targetFpr * k >= m)
        {
            var allowed = (int)Math.Floor(targetFpr * k);
            var i = Math.Clamp(k - 1 - allowed, 0, k - 1);
            // Ties share a score: move to the last of the tie group so none of them alerts.
            while (i + 1 < k && s[i + 1] == s[i])
            {
                i++;
            }
            threshold = (i + 1) / (k + 1.0);
        }
        else
        {
            var u = s[k - 1 - m];
            double excess = 0;
            for (var i = k - m; i < k; i++)
            {
                excess += s[i] - u;
            }
            var beta = Math.Max(excess / m, 1e-9);
            var raw = u + beta * Math.Log((double)m / k / targetFpr);
            threshold = Score(raw);
        }
        calibrationAlerts = 0;
        foreach (var v in s)
        {
            calibrationAlerts += Score(v) >= threshold ? 1 : 0;
        }
        return threshold;
    }
}

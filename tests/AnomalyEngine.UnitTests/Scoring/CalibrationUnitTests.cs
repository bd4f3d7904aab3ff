using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring.Calibration;

namespace AnomalyEngine.UnitTests.Scoring;

public sealed class CalibrationUnitTests
{
    private static SessionCalibration Build(int n, int seed)
    {
        var r = new Random(seed);
        var maxima = new List<double>();
        for (var i = 0; i < n; i++)
        {
            // Ties on purpose: many sessions share the same max.
            maxima.Add(Math.Round(-Math.Log(1 - r.NextDouble()) * 3, 1));
        }
        return SessionCalibration.Build(maxima);
    }

    [Fact]
    public void Calibrated_score_is_monotonic_and_within_unit_interval()
    {
        var c = Build(2000, 1);
        var previous = -1.0;
        for (var raw = -1.0; raw < 80; raw += 0.01)
        {
            var s = c.Score(raw);
            Assert.InRange(s, 0.0, 1.0);
            Assert.True(s >= previous, $"score fell at raw {raw}: {s} < {previous}");
            previous = s;
        }
        Assert.True(c.Score(1e6) < 1.0 || c.Score(1e6) == 1.0);
        Assert.True(c.Score(c.SortedMaxima[^1] + 5) > c.Score(c.SortedMaxima[^1] + 1), "beyond the last point scores keep ranking");
    }

    [Fact]
    public void Calibrated_score_is_the_share_of_calibration_sessions_below()
    {
        var c = SessionCalibration.Build([1, 2, 3, 4]);
        Assert.Equal(0, c.Score(0.5));
        Assert.Equal((2 + 0.5 * 0.999) / 5.0, c.Score(2.5), 9);  // two of four below, half way to the next point
        Assert.True(c.Score(2.0) < 2 / 5.0);                        // exactly at a point: it does not count itself
        Assert.True(c.Score(4.5) > 4 / 5.0);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void Empirical_threshold_keeps_calibration_false_positives_within_target(double fpr)
    {
        var c = Build(1000, 3);
        var threshold = c.ThresholdFor(fpr, out var alerts);
        var flagged = c.SortedMaxima.Count(m => c.Score(m) >= threshold);
        Assert.Equal(alerts, flagged);
        Assert.True(flagged <= fpr * c.SortedMaxima.Length, $"{flagged} flagged for target {fpr}");
        Assert.True(flagged >= fpr * c.SortedMaxima.Length * 0.5, "threshold should not be needlessly high");
    }

    [Fact]
    public void Tail_model_threshold_for_rare_targets_is_stable_and_ordered()
    {
        // Exponential maxima: the true 0.1 % quantile is 3·ln(1000) ≈ 20.7 raw.
        var c = Build(1000, 4);
        var strict = c.ThresholdFor(0.001, out var strictAlerts);
        var loose = c.ThresholdFor(0.01, out var looseAlerts);
        Assert.True(strict > loose);
        Assert.True(strictAlerts <= looseAlerts);
        Assert.InRange(strictAlerts, 0, 4);
        Assert.InRange(looseAlerts, 3, 25);
        Assert.True(c.Score(17) < strict && strict < c.Score(26), $"threshold {strict}");
    }

    [Fact]
    public void Severity_rises_with_score()
    {
        var t = new AlertThresholder(0.99);
        Assert.Equal(Severity.None, t.Decide(0.98, out var a0));
        Assert.False(a0);
        Assert.Equal(Severity.Low, t.Decide(0.99, out var a1));
        Assert.True(a1);
        Assert.Equal(Severity.Medium, t.Decide(0.997, out _));
        Assert.Equal(Severity.High, t.Decide(0.9995, out _));
        Assert.Equal(Severity.Critical, t.Decide(0.99995, out _));
    }

    [Fact]
    public void Tail_surprise_grows_beyond_training_even_when_training_never_varied()
    {
        var zeros = TailTable.Build(Enumerable.Repeat(0.0, 1000).ToList(), unit: 0.1);
        Assert.Equal(0, zeros.Surprise(0));
        Assert.True(zeros.Surprise(1) > Math.Log(1001) + 9);
        var spread = TailTable.Build(Enumerable.Range(0, 1000).Select(i => i / 100.0).ToList(), unit: 0.1);
        Assert.True(spread.Surprise(5) < spread.Surprise(9.5));
        Assert.True(spread.Surprise(9.5) < spread.Surprise(20));
    }
}

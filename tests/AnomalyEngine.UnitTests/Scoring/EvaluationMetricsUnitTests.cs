using AnomalyEngine.Scoring.Evaluation;

namespace AnomalyEngine.UnitTests.Scoring;

public sealed class EvaluationMetricsUnitTests
{
    private static SessionOutcome O(bool anomalous, double score, long firstAlert = 0, string? cls = null)
        => new($"s{Guid.NewGuid():N}", anomalous, cls, 10, score, firstAlert);

    [Fact]
    public void Counts_rates_and_precision_at_the_natural_rate()
    {
        var outcomes = new List<SessionOutcome>
        {
            O(true, 0.99, 3, "stuffing"), O(true, 0.98, 5, "stuffing"), O(true, 0.5, 0, "scraper"), O(true, 0.97, 9, "scraper"),
            O(false, 0.99, 1), O(false, 0.2), O(false, 0.1), O(false, 0.3), O(false, 0.4),
        };
        var m = EvaluationMetrics.Compute(outcomes, prior: 0.03);
        Assert.Equal((3, 1, 4, 1), (m.TruePositives, m.FalsePositives, m.TrueNegatives, m.FalseNegatives));
        Assert.Equal(0.75, m.Recall, 9);
        Assert.Equal(0.2, m.Fpr, 9);
        Assert.Equal(0.75, m.Precision, 9);
        var p = 0.75 * 0.03 / (0.75 * 0.03 + 0.2 * 0.97);
        Assert.Equal(p, m.PrecisionAtPrior!.Value, 9);
        Assert.Equal(2 * p * 0.75 / (p + 0.75), m.F1AtPrior!.Value, 9);
        Assert.Equal(5, m.LatencyMedian);
        Assert.Equal([("scraper", 0.5), ("stuffing", 1.0)], m.ClassRecalls.Select(c => (c.Class, c.Recall)));
    }

    [Fact]
    public void Roc_auc_is_one_for_perfect_ranking_and_half_for_ties()
    {
        var perfect = new List<SessionOutcome> { O(true, 0.9), O(true, 0.8), O(false, 0.2), O(false, 0.1) };
        Assert.Equal(1.0, Curves.Areas(perfect).Roc, 9);
        Assert.Equal(1.0, Curves.Areas(perfect).Pr, 9);
        var tied = new List<SessionOutcome> { O(true, 0.5), O(false, 0.5) };
        Assert.Equal(0.5, Curves.Areas(tied).Roc, 9);
        var inverted = new List<SessionOutcome> { O(true, 0.1), O(false, 0.9) };
        Assert.Equal(0.0, Curves.Areas(inverted).Roc, 9);
    }
}

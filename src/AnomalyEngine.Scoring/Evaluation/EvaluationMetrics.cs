namespace AnomalyEngine.Scoring.Evaluation;

/// <summary>Recall of one attack class.</summary>
public sealed record ClassRecall(string Class, int Sessions, int Detected)
{
    /// <summary>Detected / sessions.</summary>
    public double Recall => Sessions == 0 ? 0 : (double)Detected / Sessions;
}

/// <summary>Session-level quality figures at the model threshold, and threshold-free ones.</summary>
public sealed record EvaluationMetrics(
    int Sessions, int Anomalous, int Normal,
    int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives,
    double Precision, double Recall, double F1, double Fpr,
    double RocAuc, double PrAuc,
    double? Prior, double? PrecisionAtPrior, double? F1AtPrior,
    double? LatencyMedian, double? LatencyP90, double? LatencyMean,
    IReadOnlyList<ClassRecall> ClassRecalls)
{
    /// <summary>Computes all figures; <paramref name="prior"/> is the natural anomaly rate π for re-weighted precision.</summary>
    public static EvaluationMetrics Compute(IReadOnlyList<SessionOutcome> outcomes, double? prior)
    {
        int tp = 0, fp = 0, tn = 0, fn = 0;
        var latencies = new List<double>();
        var classes = new SortedDictionary<string, (int N, int D)>(StringComparer.Ordinal);
        foreach (var o in outcomes)
        {
            if (o.Anomalous)
            {
                if (o.Flagged)
                {
                    tp++;
                    latencies.Add(o.FirstAlertEvent);
                }
                else
                {
                    fn++;
                }
                if (o.Class is { } c)
                {
                    var (n, d) = classes.TryGetValue(c, out var v) ? v : (0, 0);
                    classes[c] = (n + 1, d + (o.Flagged ? 1 : 0));
                }
            }
            else if (o.Flagged)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        var fpr = fp + tn == 0 ? 0 : (double)fp / (fp + tn);
        double? pPrior = null, f1Prior = null;
        if (prior is { } pi)
        {
            var denom = recall * pi + fpr * (1 - pi);
            pPrior = denom == 0 ? 0 : recall * pi / denom;
            f1Prior = pPrior + recall == 0 ? 0 : 2 * pPrior.Value * recall / (pPrior.Value + recall);
        }
        latencies.Sort();
        var recalls = new List<ClassRecall>();
        foreach (var (c, (n, d)) in classes)
        {
            recalls.Add(new ClassRecall(c, n, d));
        }
        var (roc, pr) = Curves.Areas(outcomes);
        return new EvaluationMetrics(outcomes.Count, tp + fn, fp + tn, tp, fp, tn, fn, precision, recall, f1, fpr, roc, pr,
            prior, pPrior, f1Prior,
            latencies.Count == 0 ? null : Quantile(latencies, 0.5),
            latencies.Count == 0 ? null : Quantile(latencies, 0.9),
            latencies.Count == 0 ? null : latencies.Average(),
            recalls);
    }

    private static double Quantile(List<double> sorted, double q)
    {
        var idx = (int)Math.Ceiling(q * sorted.Count) - 1;
        return sorted[Math.Clamp(idx, 0, sorted.Count - 1)];
    }
}

/// <summary>ROC and precision-recall curves over session max scores (ties handled as one step).</summary>
public static class Curves
{
    /// <summary>ROC points (FPR, TPR) and PR points (recall, precision), from the highest threshold down.</summary>
    public static (List<(double Fpr, double Tpr)> Roc, List<(double Recall, double Precision)> Pr) Build(IReadOnlyList<SessionOutcome> outcomes)
    {
        var sorted = new List<SessionOutcome>(outcomes);
        sorted.Sort((a, b) => b.MaxScore.CompareTo(a.MaxScore));
        int pos = 0, neg = 0;
        foreach (var o in sorted)
        {
            if (o.Anomalous) { pos++; } else { neg++; }
        }
        var roc = new List<(double, double)> { (0, 0) };
        var pr = new List<(double, double)>();
        int tp = 0, fp = 0;
        for (var i = 0; i < sorted.Count;)
        {
            var s = sorted[i].MaxScore;
            while (i < sorted.Count && sorted[i].MaxScore == s)
            {
                if (sorted[i].Anomalous) { tp++; } else { fp++; }
                i++;
            }
            roc.Add((neg == 0 ? 0 : (double)fp / neg, pos == 0 ? 0 : (double)tp / pos));
            pr.Add((pos == 0 ? 0 : (double)tp / pos, (double)tp / (tp + fp)));
        }
        return (roc, pr);
    }

    /// <summary>ROC-AUC (trapezoid, ties as diagonal) and PR-AUC (average precision).</summary>
    public static (double Roc, double Pr) Areas(IReadOnlyList<SessionOutcome> outcomes)
    {
        var (roc, pr) = Build(outcomes);
        double auc = 0;
        for (var i = 1; i < roc.Count; i++)
        {
            auc += (roc[i].Fpr - roc[i - 1].Fpr) * (roc[i].Tpr + roc[i - 1].Tpr) / 2;
        }
        double ap = 0, prevRecall = 0;
        foreach (var (r, p) in pr)
        {
            ap += (r - prevRecall) * p;
            prevRecall = r;
        }
        return (auc, ap);
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using AnomalyEngine.Scoring;
using AnomalyEngine.Scoring.Evaluation;

namespace AnomalyEngine.Cli.Reports;

/// <summary>Writes <c>report.html</c> with ROC and PR curves and score histograms as PNGs (ScottPlot).</summary>
internal static class EvaluationReport
{
    public static string Write(string dir, IReadOnlyList<SessionOutcome> outcomes, EvaluationMetrics m, ModelManifest manifest)
    {
        Directory.CreateDirectory(dir);
        var (roc, pr) = Curves.Build(outcomes);

        var rocPlot = new ScottPlot.Plot();
        rocPlot.Add.ScatterLine(roc.ConvertAll(p => p.Fpr).ToArray(), roc.ConvertAll(p => p.Tpr).ToArray());
        rocPlot.Title($"ROC (AUC {F(m.RocAuc)})");
        rocPlot.XLabel("false positive rate");
        rocPlot.YLabel("true positive rate");
        rocPlot.SavePng(Path.Combine(dir, "roc.png"), 640, 480);

        var prPlot = new ScottPlot.Plot();
        prPlot.Add.ScatterLine(pr.ConvertAll(p => p.Recall).ToArray(), pr.ConvertAll(p => p.Precision).ToArray());
        prPlot.Title($"Precision-recall (AP {F(m.PrAuc)})");
        prPlot.XLabel("recall");
        prPlot.YLabel("precision (evaluation mix)");
        prPlot.SavePng(Path.Combine(dir, "pr.png"), 640, 480);

        // Calibrated scores crowd near 1, so the histogram is over rarity = −log10(1 − score).
        const int bins = 40;
        double maxRarity = 0;
        foreach (var o in outcomes)
        {
            maxRarity = Math.Max(maxRarity, Rarity(o.MaxScore));
        }
        maxRarity = Math.Max(maxRarity, 1e-6);
        var normal = new double[bins];
        var anomalous = new double[bins];
        foreach (var o in outcomes)
        {
            var b = Math.Min(bins - 1, (int)(Rarity(o.MaxScore) / maxRarity * bins));
            (o.Anomalous ? anomalous : normal)[b]++;
        }
        var positions = new double[bins];
        for (var i = 0; i < bins; i++)
        {
            positions[i] = (i + 0.5) * maxRarity / bins;
            normal[i] = m.Normal == 0 ? 0 : normal[i] / m.Normal;
            anomalous[i] = m.Anomalous == 0 ? 0 : anomalous[i] / m.Anomalous;
        }
        var hist = new ScottPlot.Plot();
        var n = hist.Add.ScatterLine(positions, normal);
        n.LegendText = "normal";
        var a = hist.Add.ScatterLine(positions, anomalous);
        a.LegendText = "anomalous";
        var threshold = hist.Add.VerticalLine(Rarity(manifest.AlertThreshold));
        threshold.LegendText = "alert threshold";
        hist.ShowLegend();
        hist.Title("Session max score: share of sessions per bin");
        hist.XLabel("rarity −log10(1 − score)");
        hist.YLabel("share of class");
        hist.SavePng(Path.Combine(dir, "scores.png"), 640, 480);

        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>AnomalyEngine evaluation</title>")
          .Append("<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 10px;text-align:right}th{text-align:left}</style></head><body>")
          .Append("<h1>Evaluation of model ").Append(WebUtility.HtmlEncode(manifest.Version)).Append("</h1>")
          .Append("<p>Threshold ").Append(F(manifest.AlertThreshold, "0.######")).Append(" (target session FPR ").Append(F(manifest.TargetFpr, "0.####"))
          .Append("). A session counts as flagged when any prefix reaches the threshold; its score is the max over prefixes.</p><table>");
        Row(sb, "sessions", $"{m.Sessions} ({m.Anomalous} anomalous, {m.Normal} normal)");
        Row(sb, "precision", F(m.Precision));
        Row(sb, "recall (TPR)", F(m.Recall));
        Row(sb, "F1", F(m.F1));
        Row(sb, "FPR", F(m.Fpr, "0.00000"));
        Row(sb, "ROC-AUC", F(m.RocAuc));
        Row(sb, "PR-AUC", F(m.PrAuc));
        if (m.Prior is { } pi)
        {
            Row(sb, $"precision at π={F(pi, "0.####")}", F(m.PrecisionAtPrior!.Value));
            Row(sb, $"F1 at π={F(pi, "0.####")}", F(m.F1AtPrior!.Value));
        }
        if (m.LatencyMedian is { } med)
        {
            Row(sb, "latency median / p90 (events)", $"{F(med, "0")} / {F(m.LatencyP90!.Value, "0")}");
        }
        Row(sb, "TP / FP / TN / FN", $"{m.TruePositives} / {m.FalsePositives} / {m.TrueNegatives} / {m.FalseNegatives}");
        sb.Append("</table>");
        if (m.ClassRecalls.Count > 0)
        {
            sb.Append("<h2>Recall per class</h2><table><tr><th>class</th><th>sessions</th><th>detected</th><th>recall</th></tr>");
            foreach (var r in m.ClassRecalls)
            {
                sb.Append("<tr><th>").Append(WebUtility.HtmlEncode(r.Class)).Append("</th><td>").Append(r.Sessions).Append("</td><td>")
                  .Append(r.Detected).Append("</td><td>").Append(F(r.Recall)).Append("</td></tr>");
            }
            sb.Append("</table>");
        }
        sb.Append("<h2>Curves</h2><img src=\"roc.png\"><img src=\"pr.png\"><h2>Scores</h2><img src=\"scores.png\"></body></html>");
        var path = Path.Combine(dir, "report.html");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    private static double Rarity(double score) => -Math.Log10(Math.Max(1e-9, 1 - score));

    private static string F(double v, string format = "0.0000") => v.ToString(format, CultureInfo.InvariantCulture);

    private static void Row(StringBuilder sb, string name, string value)
        => sb.Append("<tr><th>").Append(WebUtility.HtmlEncode(name)).Append("</th><td>").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>");
}

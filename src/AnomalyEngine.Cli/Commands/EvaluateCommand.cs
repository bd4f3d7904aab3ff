using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AnomalyEngine.Cli.Reports;
using AnomalyEngine.Scoring.Evaluation;
using AnomalyEngine.Scoring.Training;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

/// <summary><c>anomaly-engine evaluate</c>: session-level quality of a bundle on labelled events.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "model bundle folder", Required = true };
        var events = new Option<FileInfo>("--events") { Description = "events.jsonl to evaluate on", Required = true };
        var labels = new Option<FileInfo>("--labels") { Description = "labels.csv (session_id,label[,class])", Required = true };
        var report = new Option<DirectoryInfo?>("--report") { Description = "write an HTML report with ROC/PR curves and score histograms here" };
        var prior = new Option<double?>("--prior") { Description = "natural anomaly rate π for precision/F1 at that rate: P = TPR·π/(TPR·π+FPR·(1−π))" };
        var excludeTraining = new Option<bool>("--exclude-training") { Description = "skip the sessions the bundle was trained on (recomputed from the seed and fraction in its manifest)" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "skip and count malformed lines instead of failing" };
        var sessionsOut = new Option<FileInfo?>("--sessions-out") { Description = "also write per-session outcomes: session_id,label,class,events,max_score,first_alert_event" };
        var command = new Command("evaluate", "Score labelled sessions after every event; report precision, recall, F1, FPR, ROC-AUC, PR-AUC, latency.")
        {
            model, events, labels, report, prior, excludeTraining, skipInvalid, sessionsOut,
        };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var bundle = CliInput.LoadModel(parse.GetValue(model)!.FullName);
            if (bundle is null)
            {
                return ExitCodes.BadModel;
            }
            var list = CliInput.ReadEvents(parse.GetValue(events)!.ToString(), parse.GetValue(skipInvalid));
            if (list is null)
            {
                return ExitCodes.BadInput;
            }
            var labelMap = CliInput.ReadLabels(parse.GetValue(labels)!.ToString());
            if (labelMap is null)
            {
                return ExitCodes.BadInput;
            }
            var pi = parse.GetValue(prior);
            if (pi is <= 0 or >= 1)
            {
                CliInput.Error("--prior must lie in (0,1)");
                return ExitCodes.BadInput;
            }
            var manifest = bundle.Manifest;
            var exclude = parse.GetValue(excludeTraining);
            var sessions = SessionReplayer.Group(list);
            var outcomes = SessionEvaluator.Run(bundle.Scorer, sessions, labelMap,
                exclude ? (id, label) => !manifest.WasTrainingSession(id, label.Anomalous) : null);
            if (outcomes.Count == 0)
            {
                CliInput.Error("no labelled session left to evaluate");
                return ExitCodes.BadInput;
            }
            var m = EvaluationMetrics.Compute(outcomes, pi);
            Print(m, manifest, exclude);
            if (parse.GetValue(sessionsOut) is { } file)
            {
                using var w = new StreamWriter(file.FullName);
                w.WriteLine("session_id,label,class,events,max_score,first_alert_event");
                foreach (var o in outcomes)
                {
                    w.WriteLine(string.Join(',', o.SessionId, o.Anomalous ? "1" : "0", o.Class ?? "", o.Events.ToString(CultureInfo.InvariantCulture),
                        o.MaxScore.ToString("R", CultureInfo.InvariantCulture), o.FirstAlertEvent.ToString(CultureInfo.InvariantCulture)));
                }
            }
            if (parse.GetValue(report) is { } dir)
            {
                var path = EvaluationReport.Write(dir.FullName, outcomes, m, manifest);
                AnsiConsole.MarkupLineInterpolated($"report: {path}");
            }
            AnsiConsole.MarkupLineInterpolated($"evaluated {outcomes.Count:N0} sessions in {clock.Elapsed.TotalSeconds:0.0} s");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string F(double v, string format = "0.0000") => v.ToString(format, CultureInfo.InvariantCulture);

    private static void Print(EvaluationMetrics m, Scoring.ModelManifest manifest, bool excluded)
    {
        AnsiConsole.MarkupLineInterpolated($"model {manifest.Version}, threshold {F(manifest.AlertThreshold, "0.######")} (target FPR {F(manifest.TargetFpr, "0.####")}){(excluded ? ", training sessions excluded" : "")}");
        var t = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("sessions (anomalous / normal)", $"{m.Sessions:N0} ({m.Anomalous:N0} / {m.Normal:N0})");
        t.AddRow("precision", F(m.Precision));
        t.AddRow("recall (TPR)", F(m.Recall));
        t.AddRow("F1", F(m.F1));
        t.AddRow("FPR", F(m.Fpr, "0.00000"));
        t.AddRow("ROC-AUC", F(m.RocAuc));
        t.AddRow("PR-AUC", F(m.PrAuc));
        if (m.Prior is { } pi)
        {
            t.AddRow($"precision at π={F(pi, "0.####")}", F(m.PrecisionAtPrior!.Value));
            t.AddRow($"F1 at π={F(pi, "0.####")}", F(m.F1AtPrior!.Value));
        }
        if (m.LatencyMedian is { } med)
        {
            t.AddRow("latency, events to first alert (median / p90 / mean)", $"{F(med, "0")} / {F(m.LatencyP90!.Value, "0")} / {F(m.LatencyMean!.Value, "0.0")}");
        }
        AnsiConsole.Write(t);
        var cm = new Table().AddColumn("").AddColumn("flagged").AddColumn("not flagged");
        cm.AddRow("anomalous", $"{m.TruePositives:N0} (TP)", $"{m.FalseNegatives:N0} (FN)");
        cm.AddRow("normal", $"{m.FalsePositives:N0} (FP)", $"{m.TrueNegatives:N0} (TN)");
        AnsiConsole.Write(cm);
        if (m.ClassRecalls.Count > 0)
        {
            var c = new Table().AddColumn("class").AddColumn("sessions").AddColumn("detected").AddColumn("recall");
            foreach (var r in m.ClassRecalls)
            {
                c.AddRow(Markup.Escape(r.Class), r.Sessions.ToString("N0"), r.Detected.ToString("N0"), F(r.Recall));
            }
            AnsiConsole.Write(c);
        }
    }
}

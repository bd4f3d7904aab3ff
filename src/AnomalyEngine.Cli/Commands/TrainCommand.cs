using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AnomalyEngine.Cli.Reports;
using AnomalyEngine.Scoring.Training;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

/// <summary><c>anomaly-engine train</c>: trains a model bundle from events.jsonl (+ labels.csv).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var events = new Option<FileInfo>("--events") { Description = "events.jsonl to train on", Required = true };
        var labels = new Option<FileInfo?>("--labels") { Description = "labels.csv (session_id,label[,class]); enables the supervised model unless --normal-only" };
        var normalOnly = new Option<bool>("--normal-only") { Description = "with --labels: train only on label-0 sessions, no supervised model" };
        var targetFpr = new Option<double>("--target-fpr") { Description = "session-level false-positive rate the alert threshold is chosen for", DefaultValueFactory = _ => 0.005 };
        var seed = new Option<int>("--seed") { Description = "seed of every random choice", DefaultValueFactory = _ => 7 };
        var trainFraction = new Option<double>("--train-fraction") { Description = "share of eligible sessions (seeded by id) used for training; evaluate --exclude-training skips them", DefaultValueFactory = _ => 1.0 };
        var calibrationFraction = new Option<double>("--calibration-fraction") { Description = "with --cross-calibration-folds 0: share of normal training sessions held out to calibrate the score and threshold", DefaultValueFactory = _ => 0.5 };
        var crossFolds = new Option<int>("--cross-calibration-folds") { Description = "N ≥ 2: calibrate each of N folds of the normal sessions with a model fitted on the others, ship a model fitted on all; 0: calibrate on a held-out share (--calibration-fraction). Not with a supervised model, which always calibrates on a held-out share", DefaultValueFactory = _ => 2 };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "skip and count malformed lines instead of failing" };
        var output = new Option<DirectoryInfo>("--out") { Description = "bundle folder to write", Required = true };

        var command = new Command("train", "Train a model bundle (baselines, ML.NET PCA [+ LightGbm], calibration, threshold) from events.")
        {
            events, labels, normalOnly, targetFpr, seed, trainFraction, calibrationFraction, crossFolds, skipInvalid, output,
        };
        command.SetAction(parse =>
        {
            var clock = Stopwatch.StartNew();
            var fpr = parse.GetValue(targetFpr);
            if (fpr is <= 0 or >= 1)
            {
                CliInput.Error("--target-fpr must lie in (0,1)");
                return ExitCodes.BadInput;
            }
            if (parse.GetValue(trainFraction) is <= 0 or > 1 || parse.GetValue(calibrationFraction) is <= 0 or >= 1)
            {
                CliInput.Error("--train-fraction must lie in (0,1] and --calibration-fraction in (0,1)");
                return ExitCodes.BadInput;
            }
            if (parse.GetValue(crossFolds) is < 0 or 1)
            {
                CliInput.Error("--cross-calibration-folds must be 0 (a held-out share) or at least 2");
                return ExitCodes.BadInput;
            }
            var list = CliInput.ReadEvents(parse.GetValue(events)!.ToString(), parse.GetValue(skipInvalid));
            if (list is null)
            {
                return ExitCodes.BadInput;
            }
            Dictionary<string, Core.Events.SessionLabel>? labelMap = null;
            if (parse.GetValue(labels) is { } labelFile)
            {
                labelMap = CliInput.ReadLabels(labelFile.ToString());
                if (labelMap is null)
                {
                    return ExitCodes.BadInput;
                }
            }
            AnsiConsole.MarkupLineInterpolated($"read {list.Count:N0} events in {clock.Elapsed.TotalSeconds:0.0} s");
            var options = new ModelTrainerOptions
            {
                Seed = parse.GetValue(seed),
                TargetFpr = fpr,
                NormalOnly = parse.GetValue(normalOnly),
                TrainFraction = parse.GetValue(trainFraction),
                CalibrationFraction = parse.GetValue(calibrationFraction),
                CrossCalibrationFolds = parse.GetValue(crossFolds),
            };
            var outDir = parse.GetValue(output)!.FullName;
            Scoring.ModelManifest? manifest = null;
            try
            {
                if (Console.IsOutputRedirected)
                {
                    // No live display into a file or pipe: one line per stage is enough for logs.
                    var seen = new HashSet<string>();
                    var progress = new SynchronousProgress(p =>
                    {
                        if (seen.Add(p.Stage))
                        {
                            Console.WriteLine($"  {p.Stage}…");
                        }
                    });
                    manifest = new ModelTrainer(options).TrainToBundle(list, labelMap, outDir, progress);
                }
                else
                {
                    AnsiConsole.Progress().AutoClear(false).Columns(
                            new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                        .Start(ctx =>
                        {
                            var tasks = new Dictionary<string, ProgressTask>();
                            var progress = new SynchronousProgress(p =>
                            {
                                if (!tasks.TryGetValue(p.Stage, out var task))
                                {
                                    task = ctx.AddTask(p.Stage, maxValue: 1.0);
                                    tasks[p.Stage] = task;
                                }
                                task.Value = Math.Max(task.Value, p.Fraction);
                            });
                            manifest = new ModelTrainer(options).TrainToBundle(list, labelMap, outDir, progress);
                            foreach (var t in tasks.Values)
                            {
                                t.Value = 1.0;
                            }
                        });
                }
            }
            catch (InvalidOperationException ex)
            {
                CliInput.Error(ex.Message);
                return ExitCodes.BadInput;
            }
            var m = manifest!;
            var table = new Table().AddColumn("").AddColumn("");
            table.AddRow("bundle", Markup.Escape(outDir));
            table.AddRow("version", m.Version);
            table.AddRow("sessions (fit / calibration)", $"{m.Training.FitSessions:N0} / {m.Training.CalibrationSessions:N0}");
            table.AddRow("calibration", m.CalibrationFolds > 0 ? $"cross, {m.CalibrationFolds} folds" : "held-out share");
            table.AddRow("events (fit)", $"{m.Training.FitEvents:N0}");
            table.AddRow("prefix rows", $"{m.Training.PrefixRows:N0}");
            table.AddRow("supervised model", m.HasSupervisedModel ? $"yes ({m.Training.AnomalousTrainingSessions:N0} anomalous sessions)" : "no");
            table.AddRow("target FPR", m.TargetFpr.ToString("0.####", CultureInfo.InvariantCulture));
            table.AddRow("alert threshold (score)", m.AlertThreshold.ToString("0.######", CultureInfo.InvariantCulture));
            table.AddRow("calibration FPR", m.Training.CalibrationFpr.ToString("0.####", CultureInfo.InvariantCulture));
            table.AddRow("training time", $"{m.Training.Seconds:0.0} s");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"done in {clock.Elapsed.TotalSeconds:0.0} s (training {m.Training.Seconds:0.0} s)");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Reports on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

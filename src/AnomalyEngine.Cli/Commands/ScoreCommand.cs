using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AnomalyEngine.Cli.Reports;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Scoring.Training;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

/// <summary><c>anomaly-engine score</c>: final verdict of every session of a file, through the live feature code.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "model bundle folder", Required = true };
        var events = new Option<FileInfo>("--events") { Description = "events.jsonl to score", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "CSV to write: session_id,score,anomalous,severity,top_reason", Required = true };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "skip and count malformed lines instead of failing" };
        var explain = new Option<bool>("--explain") { Description = "give the top reason for every session, not only anomalous ones" };
        var command = new Command("score", "Replay each session through the model and write its final verdict.") { model, events, output, skipInvalid, explain };
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
            var sessions = SessionReplayer.Group(list);
            var users = UserChecks.Run(sessions);
            var explainAll = parse.GetValue(explain);
            var verdicts = new Verdict[sessions.Count];
            Parallel.For(0, sessions.Count, i =>
            {
                var final = SessionReplayer.Replay(sessions[i].Value, users: users);
                verdicts[i] = bundle.Scorer.Score(final, final: true, explain: explainAll);
            });
            var path = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var w = new StreamWriter(path, false, new UTF8Encoding(false)))
            {
                w.WriteLine("session_id,score,anomalous,severity,top_reason");
                foreach (var v in verdicts)
                {
                    var top = v.Reasons.Count > 0 ? $"{v.Reasons[0].Code}: {v.Reasons[0].Message}" : "";
                    w.Write(Csv(v.SessionId));
                    w.Write(',');
                    w.Write(v.Score.ToString("0.######", CultureInfo.InvariantCulture));
                    w.Write(',');
                    w.Write(v.Anomalous ? "1" : "0");
                    w.Write(',');
                    w.Write(v.Severity.ToString());
                    w.Write(',');
                    w.WriteLine(Csv(top));
                }
            }
            var flagged = 0;
            foreach (var v in verdicts)
            {
                flagged += v.Anomalous ? 1 : 0;
            }
            AnsiConsole.MarkupLineInterpolated($"scored {sessions.Count:N0} sessions ({list.Count:N0} events) with model {bundle.Manifest.Version}: {flagged:N0} anomalous; wrote {path} in {clock.Elapsed.TotalSeconds:0.0} s");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Csv(string s)
        => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}

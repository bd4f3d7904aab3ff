using System.CommandLine;
using System.Globalization;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

/// <summary><c>anomaly-engine session ID</c>: a session's live state, features and verdict with reasons.</summary>
internal static class SessionCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target", "-t") { Description = "Server address, e.g. http://127.0.0.1:50051", DefaultValueFactory = _ => "http://127.0.0.1:50051" };
        var id = new Argument<string>("session-id") { Description = "The session to show" };
        var command = new Command("session", "Show a live session: counts, recent path, failures per action, features, verdict and reasons") { target, id };
        command.SetAction(async (parse, ct) =>
        {
            using var channel = ChannelFactory.Create(parse.GetValue(target)!);
            var client = new ScoringService.ScoringServiceClient(channel);
            try
            {
                var info = await client.GetSessionAsync(new GetSessionRequest { SessionId = parse.GetValue(id)! }, cancellationToken: ct);
                Print(info);
                return 0;
            }
            catch (RpcException ex)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{ex.StatusCode}[/]: {ex.Status.Detail}");
                return 1;
            }
        });
        return command;
    }

    private static void Print(SessionInfo s)
    {
        var v = s.Verdict;
        var colour = VerdictStyle.Colour(v.Severity);
        AnsiConsole.MarkupLineInterpolated($"[bold]{s.SessionId}[/]  user {(s.UserId.Length == 0 ? "-" : s.UserId)}");
        AnsiConsole.MarkupLineInterpolated($"verdict: [{colour}]{VerdictStyle.Name(v.Severity)}[/]  score {v.Score:0.000}  anomalous {v.Anomalous}  model {v.ModelVersion}");
        AnsiConsole.MarkupLineInterpolated($"events {s.Events} (views {s.Views}, actions {s.Actions}, failures {s.Failures}, out of order {s.OutOfOrder}), {Span(s.LastTs - s.FirstTs)} long, expires {DateTimeOffset.FromUnixTimeMilliseconds(s.ExpiresAt):u}");
        if (s.ContextChanges.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"changed mid-session: {string.Join(", ", s.ContextChanges.Select(c => $"{c.Key} {c.Value}×"))}");
        }
        if (s.UserHistory is { } h)
        {
            var news = h.NewAttributes.Count == 0 ? "nothing" : string.Join(", ", h.NewAttributes.Select(a => a == "ip" ? "network (ip)" : a));
            var earlier = h.EarlierSessions == 1 ? "1 earlier session" : $"{h.EarlierSessions} earlier sessions";
            AnsiConsole.MarkupLineInterpolated($"new for the user (after {earlier}): {news}");
        }

        if (v.Reasons.Count > 0)
        {
            var reasons = new Table().AddColumns("reason", "detector", "share", "why");
            foreach (var r in v.Reasons)
            {
                reasons.AddRow(Markup.Escape(r.Code), Markup.Escape(r.Detector), r.Contribution.ToString("0.00", CultureInfo.InvariantCulture), Markup.Escape(r.Message));
            }
            AnsiConsole.Write(reasons);
        }

        var path = new Table().AddColumns("recent path", "ts", "outcome");
        foreach (var p in s.RecentPath)
        {
            var outcome = p.HasSuccess ? (p.Success ? "ok" : "[red]failed[/]") : "";
            path.AddRow(Markup.Escape(p.Name), DateTimeOffset.FromUnixTimeMilliseconds(p.Ts).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), outcome);
        }
        AnsiConsole.Write(path);

        if (s.ActionsByName.Count > 0)
        {
            var actions = new Table().AddColumns("action", "attempts", "failures");
            foreach (var a in s.ActionsByName)
            {
                actions.AddRow(Markup.Escape(a.Name), a.Attempts.ToString(CultureInfo.InvariantCulture), a.Failures.ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(actions);
        }

        var features = new Table().AddColumns("feature", "value");
        foreach (var (name, value) in s.Features)
        {
            features.AddRow(Markup.Escape(name), value.ToString("0.####", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(features);
    }

    private static string Span(long ms) => TimeSpan.FromMilliseconds(Math.Max(0, ms)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
}

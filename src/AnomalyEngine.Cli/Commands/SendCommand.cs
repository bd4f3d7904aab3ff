using System.CommandLine;
using System.Diagnostics;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Cli.Reports;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using Grpc.Core;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// <c>anomaly-engine send</c>: streams an events.jsonl file to a running server over TrackStream, the
/// producers' path, and prints what the server made of it.
/// </summary>
internal static class SendCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target", "-t") { Description = "Server address", DefaultValueFactory = _ => "http://127.0.0.1:50051" };
        var events = new Option<FileInfo>("--events") { Description = "events.jsonl to send", Required = true };
        var batch = new Option<int>("--batch") { Description = "Events per TrackRequest (1..1000)", DefaultValueFactory = _ => 200 };
        var end = new Option<bool>("--end-sessions") { Description = "End every session afterwards (EndSession) and count final verdicts" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip and count malformed lines instead of stopping at the first" };
        var command = new Command("send", "Stream an events.jsonl file to a running server and print a summary of its verdicts") { target, events, batch, end, skipInvalid };
        command.SetAction(async (parse, ct) =>
        {
            var size = parse.GetValue(batch);
            if (size is < 1 or > EventLimits.MaxBatchEvents)
            {
                Console.Error.WriteLine($"send: --batch must be 1..{EventLimits.MaxBatchEvents}");
                return ExitCodes.BadInput;
            }
            // Read and validate the whole file first, so a malformed line stops the command before anything is sent.
            var all = CliInput.ReadEvents(parse.GetValue(events)!.FullName, parse.GetValue(skipInvalid));
            if (all is null)
            {
                return ExitCodes.BadInput;
            }
            using var channel = ChannelFactory.Create(parse.GetValue(target)!);
            var client = new ScoringService.ScoringServiceClient(channel);
            try
            {
                var summary = await SendAsync(client, all, size, ct);
                if (parse.GetValue(end))
                {
                    await EndAllAsync(client, summary, ct);
                }
                Print(summary);
                return summary.RejectedBatches == 0 ? ExitCodes.Ok : ExitCodes.BadInput;
            }
            catch (RpcException ex)
            {
                Console.Error.WriteLine($"send: {ex.StatusCode}: {ex.Status.Detail}");
                return 3;
            }
        });
        return command;
    }

    private sealed class Summary
    {
        public long Events;
        public int RejectedBatches;
        public string? FirstRejection;
        public readonly Dictionary<string, Verdict> Latest = new(StringComparer.Ordinal);
        public readonly Stopwatch Clock = Stopwatch.StartNew();
        public int Ended;
        public int FinalAnomalous;
    }

    private static async Task<Summary> SendAsync(ScoringService.ScoringServiceClient client, List<SessionEvent> all, int size, CancellationToken ct)
    {
        var summary = new Summary();
        using var call = client.TrackStream(cancellationToken: ct);
        var reader = Task.Run(async () =>
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
            {
                if (response.Error is { } error)
                {
                    summary.RejectedBatches++;
                    summary.FirstRejection ??= $"batch {response.BatchId}: {error.Message}";
                    continue;
                }
                foreach (var v in response.Verdicts)
                {
                    summary.Latest[v.SessionId] = v;
                }
            }
        }, ct);
        for (var i = 0; i < all.Count; i += size)
        {
            var request = new TrackRequest { BatchId = (i / size).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            for (var j = i; j < Math.Min(all.Count, i + size); j++)
            {
                request.Events.Add(EventMapper.ToContract(all[j]));
            }
            await call.RequestStream.WriteAsync(request, ct);
            summary.Events += request.Events.Count;
        }
        await call.RequestStream.CompleteAsync();
        await reader;
        summary.Clock.Stop();
        return summary;
    }

    private static async Task EndAllAsync(ScoringService.ScoringServiceClient client, Summary summary, CancellationToken ct)
    {
        foreach (var id in summary.Latest.Keys.ToList())
        {
            try
            {
                var final = (await client.EndSessionAsync(new EndSessionRequest { SessionId = id }, cancellationToken: ct)).Verdict;
                summary.Latest[id] = final;
                summary.Ended++;
                summary.FinalAnomalous += final.Anomalous ? 1 : 0;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                // Expired or ended by someone else meanwhile: its last live verdict stands.
            }
        }
    }

    private static void Print(Summary s)
    {
        var anomalous = s.Latest.Values.Where(v => v.Anomalous).OrderByDescending(v => v.Score).ToList();
        var rate = s.Events / Math.Max(0.001, s.Clock.Elapsed.TotalSeconds);
        AnsiConsole.MarkupLineInterpolated($"sent {s.Events:N0} events of {s.Latest.Count:N0} sessions in {s.Clock.Elapsed.TotalSeconds:0.0} s ({rate:N0} events/s)");
        if (s.RejectedBatches > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{s.RejectedBatches} batch(es) rejected[/], first: {s.FirstRejection}");
        }
        if (s.Ended > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"ended {s.Ended:N0} sessions: {s.FinalAnomalous:N0} anomalous in their final verdict");
        }
        AnsiConsole.MarkupLineInterpolated($"anomalous sessions (latest verdict): {anomalous.Count:N0}");
        var table = new Table().AddColumns("session", "severity", "score", "events", "top reason");
        foreach (var v in anomalous.Take(15))
        {
            var reason = v.Reasons.Count > 0 ? v.Reasons[0].Message : "";
            table.AddRow(Markup.Escape(v.SessionId), $"[{VerdictStyle.Colour(v.Severity)}]{VerdictStyle.Name(v.Severity)}[/]", v.Score.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), v.EventsSeen.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(reason));
        }
        if (anomalous.Count > 0)
        {
            AnsiConsole.Write(table);
        }
    }
}

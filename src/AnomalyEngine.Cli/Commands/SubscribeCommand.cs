using System.CommandLine;
using AnomalyEngine.Cli.Grpc;
using AnomalyEngine.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// <c>anomaly-engine subscribe</c>: holds the alert stream open and prints each alert; resumes by itself
/// from the last cursor when the server ends the stream with RESOURCE_EXHAUSTED or UNAVAILABLE.
/// <c>--latency</c> measures event-to-subscriber latency instead (see SubscribeCommand.Latency.cs).
/// </summary>
internal static partial class SubscribeCommand
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>Subscribe response header with the stream's start position (see docs/alerts.md).</summary>
    private const string StartCursorHeader = "ae-start-cursor";

    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "Server address", DefaultValueFactory = _ => "http://127.0.0.1:50051" };
        var minSeverity = new Option<string?>("--min-severity") { Description = "Only alerts at or above: low, medium, high, critical" };
        var from = new Option<string?>("--from") { Description = "Resume right after this cursor (an Alert.cursor printed earlier)" };
        var fromOldest = new Option<bool>("--from-oldest") { Description = "Without --from: replay every retained alert first (default: from now)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per line (for piping)" };
        var session = new Option<string?>("--session") { Description = "Only this session's alerts" };
        var user = new Option<string?>("--user") { Description = "Only this account's alerts" };
        var reason = new Option<string[]>("--reason") { Description = "Only alerts with one of these reason codes (repeatable)" };
        var detector = new Option<string[]>("--detector") { Description = "Only alerts with a reason from one of these detectors (repeatable)" };
        var latency = new Option<bool>("--latency") { Description = "Measure event-to-subscriber latency: produce anomalous sessions and time their alerts at several subscribers" };
        var subscribers = new Option<int>("--subscribers") { Description = "With --latency: subscribers connected", DefaultValueFactory = _ => 4 };
        var count = new Option<int>("--count") { Description = "With --latency: anomalous sessions produced", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "With --latency: Track calls in flight", DefaultValueFactory = _ => 4 };
        var warmup = new Option<int>("--warmup") { Description = "With --latency: anomalous sessions produced first and not timed (first-use compilation)", DefaultValueFactory = _ => 200 };

        var command = new Command("subscribe", "Stream alerts from a server; resumes automatically from the last cursor")
        {
            target, minSeverity, from, fromOldest, json, session, user, reason, detector, latency, subscribers, count, concurrency, warmup,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var channel = ChannelFactory.Create(parse.GetValue(target)!);
            var client = new AlertService.AlertServiceClient(channel);
            if (parse.GetValue(latency))
            {
                if (parse.GetValue(subscribers) < 1 || parse.GetValue(count) < 1 || parse.GetValue(warmup) < 0 || parse.GetValue(concurrency) < 1)
                {
                    await Console.Error.WriteLineAsync("error: --subscribers, --count and --concurrency must be at least 1, --warmup at least 0");
                    return 2;
                }
                return await MeasureLatencyAsync(channel, parse.GetValue(subscribers), parse.GetValue(count), parse.GetValue(warmup), parse.GetValue(concurrency), ct);
            }
            var filter = new AlertFilter { SessionId = parse.GetValue(session) ?? "", UserId = parse.GetValue(user) ?? "" };
            filter.ReasonCodes.Add(parse.GetValue(reason) ?? []);
            filter.Detectors.Add(parse.GetValue(detector) ?? []);
            if (parse.GetValue(minSeverity) is { Length: > 0 } s)
            {
                if (!Enum.TryParse<Severity>(s, ignoreCase: true, out var sev) || sev <= Severity.None)
                {
                    Console.Error.WriteLine($"--min-severity: '{s}' is not one of low, medium, high, critical");
                    return 2;
                }
                filter.MinSeverity = sev;
            }
            return await FollowAsync(client, filter, parse.GetValue(from) ?? "", parse.GetValue(fromOldest), parse.GetValue(json), ct);
        });
        return command;
    }

    private static async Task<int> FollowAsync(AlertService.AlertServiceClient client, AlertFilter filter, string cursor, bool fromOldest, bool json, CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var request = new SubscribeRequest { Filter = filter, ResumeAfter = cursor, FromOldest = cursor.Length == 0 && fromOldest };
            try
            {
                using var call = client.Subscribe(request, cancellationToken: ct);
                var headers = await call.ResponseHeadersAsync;
                if (cursor.Length == 0 && !fromOldest && headers.GetValue(StartCursorHeader) is { Length: > 0 } start)
                {
                    // "From now" started here: resuming from it after an early disconnect leaves no gap.
                    cursor = start;
                }
                await foreach (var alert in call.ResponseStream.ReadAllAsync(ct))
                {
                    Print(alert, json);
                    cursor = alert.Cursor;
                    backoff = TimeSpan.FromMilliseconds(250);
                }
                return 0;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable)
            {
                // The server asked us to resume (we fell behind, or it restarted): same filter, last cursor.
                Console.Error.WriteLine($"stream ended ({e.StatusCode}: {e.Status.Detail}); resuming after '{cursor}' in {backoff.TotalSeconds:0.##}s");
                await Task.Delay(backoff, ct);
                backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
            }
            catch (Exception e) when (ct.IsCancellationRequested && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
                return 0;
            }
            catch (RpcException e)
            {
                Console.Error.WriteLine($"subscribe failed: {e.StatusCode}: {e.Status.Detail}");
                return 1;
            }
        }
    }

    private static void Print(Alert alert, bool json)
    {
        if (json)
        {
            Console.Out.WriteLine(JsonFormatter.Default.Format(alert));
            return;
        }
        var v = alert.Verdict ?? new Verdict();
        var time = DateTimeOffset.FromUnixTimeMilliseconds(alert.Time).ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var user = alert.UserId.Length == 0 ? "" : $" user={Markup.Escape(alert.UserId)}";
        AnsiConsole.MarkupLine(
            $"[{VerdictStyle.Colour(v.Severity)}]{VerdictStyle.Name(v.Severity).ToUpperInvariant(),-8}[/] {time} session=[bold]{Markup.Escape(alert.SessionId)}[/]{user} " +
            $"score={v.Score:0.000} trigger={Markup.Escape(alert.Trigger?.Name ?? "")} [grey]cursor={Markup.Escape(alert.Cursor)}[/]");
        // The reasons an analyst reads first, in words; the rest by code.
        for (var i = 0; i < v.Reasons.Count && i < 3; i++)
        {
            AnsiConsole.MarkupLine($"    [bold]{Markup.Escape(v.Reasons[i].Code)}[/] {Markup.Escape(v.Reasons[i].Message)}");
        }
        if (v.Reasons.Count > 3)
        {
            AnsiConsole.MarkupLine($"    [grey]also: {Markup.Escape(string.Join(", ", v.Reasons.Skip(3).Select(r => r.Code)))}[/]");
        }
    }
}

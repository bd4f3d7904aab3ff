using System.CommandLine;
using System.Globalization;
using AnomalyEngine.Cli.Load;
using Grpc.Core;

namespace AnomalyEngine.Cli.Commands;

/// <summary>
/// <c>anomaly-engine load</c>: drives a running server on this machine with simulated normal
/// session traffic and reports events/s, latency percentiles (HdrHistogram), errors and unscored events,
/// ending with one <c>LOAD_RESULT {json}</c> line for scripts (benchmarks/run.sh).
/// </summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "server URL, loopback only (e.g. http://127.0.0.1:50051)", DefaultValueFactory = _ => "http://127.0.0.1:50051" };
        var sessions = new Option<int>("--sessions") { Description = "concurrent live sessions", DefaultValueFactory = _ => 10_000 };
        var rate = new Option<double?>("--rate") { Description = "target events/s (open loop; latency counts time held back by the server)" };
        var max = new Option<bool>("--max") { Description = "send as fast as the server answers instead of at --rate" };
        var duration = new Option<double>("--duration") { Description = "measured seconds (after --warmup)", DefaultValueFactory = _ => 30 };
        var warmup = new Option<double>("--warmup") { Description = "unmeasured seconds first (JIT, connections)", DefaultValueFactory = _ => 2 };
        var mode = new Option<string>("--mode") { Description = "unary (Track) or stream (TrackStream)", DefaultValueFactory = _ => "stream" };
        mode.AcceptOnlyFromAmong("unary", "stream");
        var batch = new Option<int>("--batch") { Description = "events per request", DefaultValueFactory = _ => 1 };
        var concurrency = new Option<int>("--concurrency") { Description = "unary: concurrent callers; stream: concurrent streams", DefaultValueFactory = _ => 1 };
        var window = new Option<int>("--window") { Description = "stream: requests in flight per stream", DefaultValueFactory = _ => 64 };
        var events = new Option<long>("--events") { Description = "stop after this many events (0 = no limit)", DefaultValueFactory = _ => 0 };
        var perSession = new Option<int>("--events-per-session") { Description = "fixed session length (0 = the simulated sessions' own lengths)", DefaultValueFactory = _ => 0 };
        var noIds = new Option<bool>("--no-event-ids") { Description = "send events without event_id" };
        var runId = new Option<string?>("--run-id") { Description = "prefix of the session ids (default: random)" };
        var seed = new Option<int>("--seed") { Description = "seed of the simulated sessions", DefaultValueFactory = _ => 1 };
        var attackShare = new Option<double>("--attack-share") { Description = "share of sessions that are simulated attacks, 0..1 (they alert)", DefaultValueFactory = _ => 0 };
        var client = new Option<string>("--client")
        {
            Description = "unary: lean (one HTTP/2 connection, no thread pool; http only) or grpc (Grpc.Net.Client); streams always use Grpc.Net.Client",
            DefaultValueFactory = _ => "lean",
        };
        client.AcceptOnlyFromAmong("lean", "grpc");
        var subscribers = new Option<int>("--subscribers") { Description = "live alert subscribers to attach; reports event → alert latency at them (0..64)", DefaultValueFactory = _ => 0 };

        var command = new Command("load", "Drive a running server on this machine with simulated normal session traffic and report throughput and latency.")
        {
            target, sessions, rate, max, duration, warmup, mode, batch, concurrency, window, events, perSession, noIds, runId, seed,
            attackShare, subscribers, client,
        };
        command.SetAction(async (parse, ct) =>
        {
            string? problem = null;
            if (!Uri.TryCreate(parse.GetValue(target), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || !LoadRunner.IsLoopback(url))
            {
                problem = "--target must be an http(s) URL on this machine (127.0.0.1, ::1 or localhost)";
            }
            else if (parse.GetValue(max) == parse.GetValue(rate).HasValue)
            {
                problem = "give exactly one of --rate R or --max";
            }
            else if (parse.GetValue(rate) is <= 0)
            {
                problem = "--rate must be positive";
            }
            else if (parse.GetValue(batch) is < 1 or > 1000 || parse.GetValue(concurrency) is < 1 or > 1024 || parse.GetValue(window) is < 1 or > 10_000)
            {
                problem = "--batch must be 1..1000, --concurrency 1..1024, --window 1..10000";
            }
            else if (parse.GetValue(sessions) < parse.GetValue(concurrency))
            {
                problem = "--sessions must be at least --concurrency";
            }
            else if (parse.GetValue(duration) is <= 0 or > 86_400 || parse.GetValue(warmup) is < 0 or > 3_600)
            {
                problem = "--duration must be in (0, 86400] s and --warmup in [0, 3600] s";
            }
            else if (parse.GetValue(attackShare) is < 0 or > 1 or double.NaN || parse.GetValue(subscribers) is < 0 or > 64)
            {
                problem = "--attack-share must be in [0, 1] and --subscribers 0..64";
            }
            else if (parse.GetValue(client) == "lean" && parse.GetValue(mode) == "unary" && url.Scheme != "http")
            {
                problem = "--client lean speaks plaintext HTTP/2 only; use --client grpc for an https target";
            }
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync("error: " + problem);
                return 2;
            }

            var options = new LoadOptions
            {
                Target = url!,
                Mode = parse.GetValue(mode)!,
                Sessions = parse.GetValue(sessions),
                Rate = parse.GetValue(rate),
                Max = parse.GetValue(max),
                Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
                Batch = parse.GetValue(batch),
                Concurrency = parse.GetValue(concurrency),
                Window = parse.GetValue(window),
                MaxEvents = parse.GetValue(events),
                EventsPerSession = parse.GetValue(perSession),
                EventIds = !parse.GetValue(noIds),
                RunId = parse.GetValue(runId) ?? "load-" + Guid.NewGuid().ToString("N")[..8],
                Seed = parse.GetValue(seed),
                AttackShare = parse.GetValue(attackShare),
                Subscribers = parse.GetValue(subscribers),
                Client = parse.GetValue(client)!,
            };
            Console.WriteLine($"load: {options.Mode} ({options.ClientUsed} client) against {url}, {(options.Max ? "max rate" : options.Rate!.Value.ToString("0", CultureInfo.InvariantCulture) + " events/s")}, " +
                $"batch {options.Batch}, concurrency {options.Concurrency}, {options.Sessions:N0} sessions ({options.RunId}-*), {options.Warmup.TotalSeconds:0}s warm-up + {options.Duration.TotalSeconds:0}s");
            LoadSummary summary;
            try
            {
                summary = await new LoadRunner(options, Console.Out).RunAsync(ct);
            }
            catch (ArgumentException ex)
            {
                // E.g. a fixed session length no simulated session reaches.
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return 2;
            }
            catch (RpcException ex)
            {
                // The lean client connects before the run: no server, or one it cannot drive as asked.
                await Console.Error.WriteLineAsync("error: " + ex.Status.Detail);
                return 1;
            }
            Print(summary);
            if (summary.Alerts is { Missed: not 0 } a)
            {
                await Console.Error.WriteLineAsync($"error: subscribers were owed {a.Raised * a.Subscribers:N0} alert deliveries and got {a.Deliveries:N0}");
                return 1;
            }
            return summary.Events == 0 ? 1 : 0;
        });
        return command;
    }

    private static void Print(LoadSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"  events      {s.Events:N0} in {s.Seconds:0.0} s = {s.EventsPerSecond:N0} events/s ({s.Requests:N0} requests)"));
        Console.WriteLine(string.Create(inv, $"  latency ms  p50 {s.P50Ms:0.000}  p90 {s.P90Ms:0.000}  p99 {s.P99Ms:0.000}  p99.9 {s.P999Ms:0.000}  max {s.MaxMs:0.000}"));
        Console.WriteLine(string.Create(inv, $"  errors      {s.Errors:N0}   unscored events {s.Unscored:N0}   anomalous verdicts {s.Anomalous:N0} of {s.Verdicts:N0}{(s.FirstError is null ? "" : "   first: " + s.FirstError)}"));
        Console.WriteLine(string.Create(inv, $"  load tool   paused {s.LoadGcPauseMs:0} ms in {s.LoadGcCount} GCs of its own during warm-up and run (pauses in the run add to its latency)"));
        if (s.Alerts is { } a)
        {
            Console.WriteLine(string.Create(inv, $"  alerts      {a.Raised:N0} raised, {a.Deliveries:N0} deliveries to {a.Subscribers} subscribers, {a.Missed:N0} missing{(a.FirstError is null ? "" : "   first: " + a.FirstError)}"));
            Console.WriteLine(string.Create(inv, $"  event → alert ms  p50 {a.P50Ms:0.000}  p90 {a.P90Ms:0.000}  p99 {a.P99Ms:0.000}  p99.9 {a.P999Ms:0.000}  max {a.MaxMs:0.000}"));
        }
        Console.WriteLine("LOAD_RESULT " + s.ToJson());
    }
}

#:project ../../src/AnomalyEngine.Contracts/AnomalyEngine.Contracts.csproj
// A small load driver for scripts/cluster-demo.sh and scripts/soak.sh (run with `dotnet run scripts/demo/driver.cs -- ...`).
// It spreads every session's events over all --targets (replicas), with unique event ids and some
// deliberate duplicate retries, then reads every session back and checks its count is exact.
// Loopback targets only. Usage:
//   driver.cs --targets http://127.0.0.1:P1,http://127.0.0.1:P2 [--sessions 200] [--events-per-session 50]
//             [--duration SECONDS (soak: repeat rounds until then)] [--concurrency 16] [--run-id ID]
// The API key, when the servers require one, comes from the AE_API_KEY environment variable.
using System.Collections.Concurrent;
using System.Diagnostics;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

var opts = Args.Parse(args);
var targets = opts.Get("--targets", "http://127.0.0.1:50051").Split(',', StringSplitOptions.RemoveEmptyEntries);
foreach (var t in targets)
{
    var host = new Uri(t).Host;
    if (host is not ("127.0.0.1" or "localhost" or "::1" or "[::1]"))
    {
        Console.Error.WriteLine($"driver: {t} is not a loopback address; refusing");
        return 2;
    }
}
var sessions = int.Parse(opts.Get("--sessions", "200"));
var perSession = int.Parse(opts.Get("--events-per-session", "50"));
var concurrency = int.Parse(opts.Get("--concurrency", "16"));
var duration = double.Parse(opts.Get("--duration", "0"), System.Globalization.CultureInfo.InvariantCulture);
var runId = opts.Get("--run-id", "demo-" + Guid.NewGuid().ToString("N")[..8]);
var key = Environment.GetEnvironmentVariable("AE_API_KEY");
var headers = string.IsNullOrEmpty(key) ? new Metadata() : new Metadata { { "authorization", "Bearer " + key } };

var clients = targets.Select(t => new ScoringService.ScoringServiceClient(GrpcChannel.ForAddress(t))).ToArray();
var errors = new ConcurrentDictionary<StatusCode, int>();
long sent = 0, duplicates = 0, mismatched = 0, checkedSessions = 0;
var t0 = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds();
var clock = Stopwatch.StartNew();
var round = 0;
do
{
    var ids = Enumerable.Range(0, sessions).Select(i => $"{runId}-r{round}-s{i}").ToArray();
    // Every event of every session, interleaved so consecutive events of one session hit different replicas.
    var work = Enumerable.Range(0, sessions * perSession).Select(n => (Session: n % sessions, Seq: n / sessions)).ToArray();
    await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (w, ct) =>
    {
        var client = clients[(w.Session + w.Seq) % clients.Length];
        var e = new Event
        {
            SessionId = ids[w.Session], Ts = t0 + w.Seq * 1000L, Kind = w.Seq % 4 == 3 ? EventKind.Action : EventKind.View,
            Name = w.Seq % 4 == 3 ? "login" : "/p/" + (w.Seq % 7), EventId = $"e{w.Seq}",
        };
        if (e.Kind == EventKind.Action)
        {
            e.Success = w.Seq % 8 != 3;
        }
        var request = new TrackRequest { Events = { e } };
        // Retry until acknowledged; the event id makes a retry of an applied event count once.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                await client.TrackAsync(request, headers, DateTime.UtcNow.AddSeconds(10), ct);
                Interlocked.Increment(ref sent);
                break;
            }
            catch (RpcException ex)
            {
                errors.AddOrUpdate(ex.StatusCode, 1, (_, c) => c + 1);
                await Task.Delay(100 * (attempt + 1), ct);
            }
        }
        // Every 10th event is sent a second time through the other replica: it must not be counted twice.
        if (w.Seq % 10 == 0)
        {
            try
            {
                await clients[(w.Session + w.Seq + 1) % clients.Length].TrackAsync(request, headers, DateTime.UtcNow.AddSeconds(10), ct);
                Interlocked.Increment(ref duplicates);
            }
            catch (RpcException ex)
            {
                errors.AddOrUpdate(ex.StatusCode, 1, (_, c) => c + 1);
            }
        }
    });
    for (var i = 0; i < sessions; i++)
    {
        var reader = clients[i % clients.Length];
        try
        {
            var info = await reader.GetSessionAsync(new GetSessionRequest { SessionId = ids[i] }, headers, DateTime.UtcNow.AddSeconds(10));
            checkedSessions++;
            if (info.Events != perSession)
            {
                mismatched++;
                Console.Error.WriteLine($"session {ids[i]}: {info.Events} events, expected {perSession}");
            }
        }
        catch (RpcException ex)
        {
            errors.AddOrUpdate(ex.StatusCode, 1, (_, c) => c + 1);
            mismatched++;
        }
    }
    round++;
    Console.WriteLine($"round {round}: {sent} events acknowledged, {duplicates} duplicate retries, {checkedSessions} sessions checked, {mismatched} wrong, errors: {Format(errors)} ({clock.Elapsed.TotalSeconds:F0} s)");
}
while (clock.Elapsed.TotalSeconds < duration);

Console.WriteLine($"DRIVER_RESULT replicas={clients.Length} sessions_checked={checkedSessions} sessions_exact={checkedSessions - mismatched} events={sent} duplicates={duplicates} errors={errors.Values.Sum()} seconds={clock.Elapsed.TotalSeconds:F1}");
return mismatched == 0 ? 0 : 1;

static string Format(ConcurrentDictionary<StatusCode, int> errors) =>
    errors.IsEmpty ? "none" : string.Join(", ", errors.Select(kv => $"{kv.Key}={kv.Value}"));

/// <summary>--name value pairs.</summary>
sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            d[args[i]] = args[i + 1];
        }
        return new Args(d);
    }

    public string Get(string name, string fallback) => values.TryGetValue(name, out var v) ? v : fallback;
}

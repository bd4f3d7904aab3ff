using System.Collections.Concurrent;
using System.Diagnostics;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace AnomalyEngine.Cli.Commands;

internal static partial class SubscribeCommand
{
    /// <summary>
    /// Event-to-subscriber latency: connects <paramref name="subscribers"/> live subscribers, then turns
    /// <paramref name="count"/> fresh sessions anomalous (one Track call of six failed logins each) and
    /// times, per subscriber, from just before the Track call to the alert's arrival. Prints figures,
    /// asserts nothing. Uses the caller's tenant; alerts of other traffic are ignored by session prefix.
    /// The first <paramref name="warmup"/> sessions are produced and delivered but not timed: the
    /// server and this process compile their code on first use (no tiered compilation), which would
    /// otherwise put a run's start into its p99.
    /// </summary>
    private static async Task<int> MeasureLatencyAsync(GrpcChannel channel, int subscribers, int count, int warmup, int concurrency, CancellationToken ct)
    {
        var total = warmup + count;
        var scoring = new ScoringService.ScoringServiceClient(channel);
        var alerts = new AlertService.AlertServiceClient(channel);
        var prefix = $"latency-{Guid.NewGuid():N}"[..20] + "-";
        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var samples = new ConcurrentBag<double>();
        var trackMs = new ConcurrentBag<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var calls = new List<AsyncServerStreamingCall<Alert>>();
        for (var i = 0; i < subscribers; i++)
        {
            var call = alerts.Subscribe(new SubscribeRequest(), cancellationToken: stop.Token);
            await call.ResponseHeadersAsync; // live from here on
            calls.Add(call);
        }
        var readers = calls.Select(call => Task.Run(async () =>
        {
            var seen = 0;
            try
            {
                await foreach (var alert in call.ResponseStream.ReadAllAsync(stop.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (!alert.SessionId.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        continue;
                    }
                    if (sentAt.TryGetValue(alert.SessionId, out var t0))
                    {
                        samples.Add(Stopwatch.GetElapsedTime(t0, now).TotalMilliseconds);
                    }
                    if (++seen == total)
                    {
                        return seen;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
            {
            }
            return seen;
        })).ToList();

        var ts = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        var wall = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, total), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (i, token) =>
        {
            var session = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var request = new TrackRequest();
            for (var k = 0; k < 6; k++)
            {
                request.Events.Add(new Event { SessionId = session, Ts = ts + k * 100, Kind = EventKind.Action, Name = "login", Success = false });
            }
            var timed = i >= warmup;
            var t0 = Stopwatch.GetTimestamp();
            if (timed)
            {
                sentAt[session] = t0;
            }
            await scoring.TrackAsync(request, cancellationToken: token);
            if (timed)
            {
                trackMs.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        });
        var produceSeconds = wall.Elapsed.TotalSeconds;

        stop.CancelAfter(TimeSpan.FromSeconds(30)); // guard: a subscriber that misses alerts must not hang the run
        var seenPerSubscriber = await Task.WhenAll(readers);
        foreach (var call in calls)
        {
            call.Dispose();
        }

        var table = new Table().AddColumns("measure", "n", "p50 ms", "p90 ms", "p99 ms", "max ms");
        AddRow(table, "event → subscriber", samples);
        AddRow(table, "Track call (alert durable)", trackMs);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{subscribers} subscribers, {count} timed alerts after {warmup} untimed at concurrency {concurrency} in {produceSeconds:0.0}s ({total / produceSeconds:0} alerts/s); received per subscriber: {string.Join(", ", seenPerSubscriber)} of {total}");
        return seenPerSubscriber.All(n => n == total) ? 0 : 1;
    }

    private static void AddRow(Table table, string name, IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        string P(double q) => sorted.Length == 0 ? "-" : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        table.AddRow(name, sorted.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), P(0.50), P(0.90), P(0.99), P(1.0));
    }
}

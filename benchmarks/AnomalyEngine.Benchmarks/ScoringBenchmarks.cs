using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AnomalyEngine.Benchmarks;

// What it showed (2-core box shared with 4 builds; benchmarks/results/bench/): with the baseline
// scorer (no bundle in models/default yet) Score is ~25 ns / 72 B and Score + wire verdict
// ~110 ns / 192 B: noise next to the store. Rerun when the ML.NET bundle scorer lands: this class
// resolves whatever the server registers, so it measures the real model without changes.

/// <summary>
/// Feature extraction + model scoring + verdict building for sessions of 50 events, through the
/// <see cref="ISessionScorer"/> the server's own composition root hands out (models/default when
/// a bundle is there and the server registers the bundle scorer; the baseline scorer otherwise).
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private WebApplication _app = null!;
    private ISessionScorer _scorer = null!;
    private List<SessionState> _states = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var bundle = Path.Combine(BenchEnvironment.RepoRoot, "models", "default");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Benchmark" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Model:BundlePath"] = bundle,
            ["Model:WatchForChanges"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.AddAnomalyEngine();
        _app = builder.Build();
        // Only the scorer is resolved: the store connection (and embedded Garnet) stays unstarted.
        _scorer = _app.Services.GetRequiredService<ISessionScorerSource>().Current;
        Console.WriteLine($"// scorer: {_scorer.GetType().FullName}, model version '{_scorer.ModelVersion}'; " +
            $"models/default {(Directory.Exists(bundle) ? "present" : "absent (baseline expected)")}");
        _states = BenchEnvironment.States(64, 50);
    }

    [GlobalCleanup]
    public void Cleanup() => _app.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Features, model, calibration, threshold and reasons.</summary>
    [Benchmark]
    public Verdict Score() => _scorer.Score(NextState(), final: false);

    /// <summary>The above plus the wire verdict the client receives.</summary>
    [Benchmark]
    public Contracts.V1.Verdict ScoreAndBuildVerdict() => ProtoMapper.ToProto(_scorer.Score(NextState(), final: false));

    /// <summary>The feature vector alone (as GetSession shows it).</summary>
    [Benchmark]
    public IReadOnlyList<KeyValuePair<string, double>> DescribeFeatures() => _scorer.DescribeFeatures(NextState());

    private SessionState NextState()
    {
        var s = _states[_next];
        _next = (_next + 1) & 63;
        return s;
    }
}

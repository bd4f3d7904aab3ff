using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.Server.Hosting;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.Simulation;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AnomalyEngine.Benchmarks;

// What it showed (2-core box, load average ~3, shipped models/default, simulated sessions of 5+
// events): see benchmarks/results/bench/ and docs/performance.md. An earlier run with states from
// the load tool's synthetic site (unknown to the model, so every verdict was anomalous and built
// reasons) gave Score 22 µs / 8 KB — reasons dominate; normal sessions build none.

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
        var bundle = Path.Combine(Testing.RepoRoot.Required, "models", "default");
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
        _states = SimulatedStates(Traffic == "attack");
    }

    /// <summary>
    /// Normal shop sessions (no reasons are built for them: the common case) or attack sessions
    /// (anomalous, so every verdict carries its reasons), from the simulator the shipped model knows.
    /// </summary>
    [Params("normal", "attack")]
    public string Traffic { get; set; } = "normal";

    private static List<SessionState> SimulatedStates(bool attacks)
    {
        var states = new List<SessionState>(64);
        var simulator = new TrafficSimulator(new SimulationOptions { Seed = 11, Sessions = 20_000, AttackRate = 0.05 });
        foreach (var session in simulator.Generate())
        {
            if ((session.Label == 1) != attacks || session.Events.Count < 5)
            {
                continue;
            }
            states.Add(SessionReplayer.Replay(session.Events));
            if (states.Count == 64)
            {
                break;
            }
        }
        return states;
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

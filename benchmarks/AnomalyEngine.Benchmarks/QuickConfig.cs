using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace AnomalyEngine.Benchmarks;

/// <summary>
/// One short job for the whole suite so it runs in a few minutes: in-process (no per-benchmark
/// project build, which alone takes minutes on the 2-core box), 3 warm-ups, 8 iterations of
/// ~250 ms. Good to a few percent on a quiet machine; rerun a class with --job medium for more.
/// </summary>
public sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(8)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithId("Quick"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.P95);
        WithOptions(ConfigOptions.DisableLogFile);
        // The defaults (exporters, loggers, columns) on top.
        foreach (var logger in DefaultConfig.Instance.GetLoggers())
        {
            AddLogger(logger);
        }
        foreach (var provider in DefaultConfig.Instance.GetColumnProviders())
        {
            AddColumnProvider(provider);
        }
        foreach (var exporter in DefaultConfig.Instance.GetExporters())
        {
            AddExporter(exporter);
        }
    }
}

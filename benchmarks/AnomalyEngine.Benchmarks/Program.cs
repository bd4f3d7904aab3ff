using BenchmarkDotNet.Running;

namespace AnomalyEngine.Benchmarks;

/// <summary>
/// dotnet run -c Release --project benchmarks/AnomalyEngine.Benchmarks -- --filter '*'
/// (benchmarks/run.sh --bench runs exactly that). Every class uses <see cref="QuickConfig"/>.
/// </summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args, new QuickConfig());
}

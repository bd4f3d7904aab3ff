using System.Diagnostics;
using HdrHistogram;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// Latencies recorded from many threads: an HdrHistogram in microseconds, 1 µs to 60 s at 3
/// significant digits (p99.9 exact to 0.1 %), read back in milliseconds rounded to the microsecond.
/// </summary>
internal sealed class LatencyHistogram
{
    private const long MaxUs = 60_000_000;
    private readonly LongConcurrentHistogram _us = new(1, MaxUs, 3);

    /// <summary>Records the time between two Stopwatch timestamps (clamped to the histogram's range).</summary>
    public void Record(long from, long to) =>
        _us.RecordValue(Math.Clamp((to - from) * 1_000_000 / Stopwatch.Frequency, 1, MaxUs));

    /// <summary>The latency at <paramref name="percentile"/> (0..100) in ms; 0 when nothing was recorded.</summary>
    public double Ms(double percentile) => _us.TotalCount == 0 ? 0 : Math.Round(_us.GetValueAtPercentile(percentile) / 1000.0, 3);

    /// <summary>The largest latency in ms; 0 when nothing was recorded.</summary>
    public double MaxMs => _us.TotalCount == 0 ? 0 : Math.Round(_us.GetMaxValue() / 1000.0, 3);
}

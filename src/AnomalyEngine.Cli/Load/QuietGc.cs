using System.Runtime;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// Keeps the load tool's own garbage collector out of the run while it can: a pause of the tool
/// delays every answer it has not read yet, and that delay would be reported as the engine's
/// latency. The traffic is built first; one compacting collection then moves it out of the young
/// generation, and a no-GC region (<see cref="GC.TryStartNoGCRegion(long)"/>) holds collections
/// off until the run has allocated <see cref="Budget"/>. Past it the runtime collects as usual, and
/// <c>load_gc_pause_ms</c> in the result still says how long the tool paused.
/// </summary>
internal sealed class QuietGc : IDisposable
{
    /// <summary>Bytes the run may allocate without a collection (a 20 s unary phase at 2,000 calls/s and its warm-up allocate about 200 MB: a 192 MB region ran out in one of three).</summary>
    public const long Budget = 512L << 20;

    private readonly bool _entered;

    private QuietGc(bool entered) => _entered = entered;

    /// <summary>Collects once, then enters the no-GC region when the runtime grants it.</summary>
    public static QuietGc Enter()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        try
        {
            return new QuietGc(GC.TryStartNoGCRegion(Budget));
        }
        catch (ArgumentOutOfRangeException)
        {
            // The budget is larger than this runtime's GC allows for a no-GC region: collect as usual.
            return new QuietGc(false);
        }
    }

    /// <summary>Ends the region unless the budget ran out (the runtime has ended it then).</summary>
    public void Dispose()
    {
        if (_entered && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            GC.EndNoGCRegion();
        }
    }
}

namespace AnomalyEngine.Core.Sessions;

/// <summary>
/// Bounds that keep a session's state small whatever its length. The live Lua reducer and
/// <see cref="SessionReducer"/> apply the same caps, so offline replay sees what the server sees.
/// </summary>
public sealed record SessionLimits
{
    /// <summary>Recent path entries kept (oldest dropped first).</summary>
    public int PathCap { get; init; } = 16;
    /// <summary>Distinct event names tracked; further names are pooled under <see cref="SessionState.OverflowKey"/>.</summary>
    public int NameCap { get; init; } = 128;
    /// <summary>Distinct transitions tracked; further ones are pooled under <see cref="SessionState.OverflowKey"/>.</summary>
    public int TransitionCap { get; init; } = 256;
    /// <summary>Most recent event ids remembered for idempotent retries.</summary>
    public int EventIdCap { get; init; } = 1024;
    /// <summary>
    /// Events the live store keeps raw, unfolded, after the folded aggregates. Only storage depends
    /// on it (the state read back is the same whatever the fold boundary): a short session costs a
    /// few bytes per event instead of an entry per name and transition, and appending to the tail is
    /// cheaper than rebuilding the aggregates.
    /// </summary>
    public int TailCap { get; init; } = 64;

    /// <summary>The defaults.</summary>
    public static SessionLimits Default { get; } = new();
}

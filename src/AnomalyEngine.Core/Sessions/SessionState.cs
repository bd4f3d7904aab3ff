using AnomalyEngine.Core.Events;

namespace AnomalyEngine.Core.Sessions;

/// <summary>Counts for one event name within a session.</summary>
public sealed class NameStats
{
    /// <summary>Events with this name.</summary>
    public long Count { get; set; }
    /// <summary>Actions with this name that failed.</summary>
    public long Failures { get; set; }
    /// <summary>Actions with this name that reported success or failure.</summary>
    public long Attempts { get; set; }
    /// <summary>Events with this name that carried duration_ms.</summary>
    public long Durations { get; set; }
    /// <summary>Sum of ln(1 + duration_ms).</summary>
    public double LogDurationSum { get; set; }
    /// <summary>Sum of ln(1 + duration_ms)².</summary>
    public double LogDurationSumSq { get; set; }
}

/// <summary>Counts and gap moments for one transition (previous name → name) within a session.</summary>
public sealed class TransitionStats
{
    /// <summary>Times the transition was taken.</summary>
    public long Count { get; set; }
    /// <summary>Sum of ln(1 + gap_ms) over those times.</summary>
    public double LogGapSum { get; set; }
    /// <summary>Sum of ln(1 + gap_ms)² over those times.</summary>
    public double LogGapSumSq { get; set; }
}

/// <summary>One entry of the recent path.</summary>
public readonly record struct PathStep(long Ts, EventKind Kind, string Name, bool? Success, long? DurationMs);

/// <summary>
/// A live session as the engine keeps it: aggregates sufficient for every feature, bounded by
/// <see cref="SessionLimits"/>. Built on the live path by the Redis script (the aggregates of the
/// older events) and the store's decoder (which replays the newest, unfolded events through
/// <see cref="SessionReducer.Fold"/>), and offline by <see cref="SessionReducer"/>; features read
/// only this type, so both paths score alike.
/// </summary>
public sealed class SessionState
{
    /// <summary>Key under which names or transitions beyond the caps are pooled.</summary>
    public const string OverflowKey = "~other";
    /// <summary>Separator between the two names of a transition key.</summary>
    public const char TransitionSeparator = '\t';

    /// <summary>The session id.</summary>
    public string SessionId { get; set; } = "";
    /// <summary>Latest non-empty user id seen.</summary>
    public string? UserId { get; set; }
    /// <summary>Events counted.</summary>
    public long Events { get; set; }
    /// <summary>Page views counted.</summary>
    public long Views { get; set; }
    /// <summary>Actions counted.</summary>
    public long Actions { get; set; }
    /// <summary>Actions that failed.</summary>
    public long Failures { get; set; }
    /// <summary>Actions that succeeded.</summary>
    public long Successes { get; set; }
    /// <summary>Events that arrived with a ts older than the latest seen.</summary>
    public long OutOfOrder { get; set; }
    /// <summary>Unix ms of the first event.</summary>
    public long FirstTs { get; set; }
    /// <summary>Unix ms of the latest (in time) event.</summary>
    public long LastTs { get; set; }
    /// <summary>Name of the first event (the entry point).</summary>
    public string? FirstName { get; set; }
    /// <summary>Name of the latest (in time) event.</summary>
    public string? LastName { get; set; }
    /// <summary>Current run of consecutive failed actions (views do not break it).</summary>
    public long FailStreak { get; set; }
    /// <summary>Longest run of consecutive failed actions.</summary>
    public long MaxFailStreak { get; set; }
    /// <summary>Gaps between in-order consecutive events.</summary>
    public long Gaps { get; set; }
    /// <summary>Sum of gaps, ms.</summary>
    public double GapSum { get; set; }
    /// <summary>Sum of squared gaps, ms².</summary>
    public double GapSumSq { get; set; }
    /// <summary>Sum of ln(1 + gap_ms).</summary>
    public double LogGapSum { get; set; }
    /// <summary>Sum of ln(1 + gap_ms)².</summary>
    public double LogGapSumSq { get; set; }
    /// <summary>Per event name statistics.</summary>
    public Dictionary<string, NameStats> Names { get; } = new(StringComparer.Ordinal);
    /// <summary>Per transition statistics, keyed <c>from + '\t' + to</c>.</summary>
    public Dictionary<string, TransitionStats> Transitions { get; } = new(StringComparer.Ordinal);
    /// <summary>The most recent events in arrival order, oldest first.</summary>
    public List<PathStep> RecentPath { get; } = [];

    private ContextTracks _context;

    /// <summary>
    /// Where the session's events come from (<see cref="ContextAttribute"/>): the latest value's
    /// digest and how often it changed, counted per event in arrival order, retries excluded.
    /// </summary>
    public ref ContextTrack Context(ContextAttribute attribute) => ref _context[(int)attribute];

    /// <summary>All context tracks, for the reducer and the codec.</summary>
    public ref ContextTracks ContextTracks => ref _context;

    /// <summary>
    /// What the user history check found (<see cref="UserHistory"/>); null until the session was
    /// checked, which needs a user id and some context attribute.
    /// </summary>
    public UserCheck? UserCheck { get; set; }

    /// <summary>Builds a transition key.</summary>
    public static string TransitionKey(string from, string to) => string.Concat(from, "\t", to);

    /// <summary>
    /// Writes the transition key of <paramref name="from"/> and <paramref name="to"/> into the start
    /// of <paramref name="destination"/>, for lookups that make no string; returns its characters.
    /// </summary>
    public static Span<char> WriteTransitionKey(Span<char> destination, string from, string to)
    {
        var key = destination[..(from.Length + 1 + to.Length)];
        from.CopyTo(key);
        key[from.Length] = TransitionSeparator;
        to.CopyTo(key[(from.Length + 1)..]);
        return key;
    }

    /// <summary>Splits a transition key into its two names.</summary>
    public static (string From, string To) SplitTransition(string key)
    {
        var i = key.IndexOf(TransitionSeparator);
        return i < 0 ? (key, key) : (key[..i], key[(i + 1)..]);
    }
}

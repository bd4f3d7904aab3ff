namespace AnomalyEngine.Simulation;

/// <summary>Knobs of <see cref="TrafficSimulator"/>. The defaults give a day of shop traffic with 2 % attacks.</summary>
public sealed record SimulationOptions
{
    /// <summary>Seed; the same options and seed give byte-identical sessions.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>How many sessions to generate.</summary>
    public int Sessions { get; init; } = 1000;

    /// <summary>Share of sessions that are attacks, in [0, 1].</summary>
    public double AttackRate { get; init; } = 0.02;

    /// <summary>Which attacks to inject, with intensity and weight. Empty: none, whatever <see cref="AttackRate"/> says.</summary>
    public IReadOnlyList<AttackSpec> Attacks { get; init; } = AttackClasses.All.Select(t => new AttackSpec(t)).ToArray();

    /// <summary>Share of attack sessions that use the subtle (<c>_subtle</c>) variant, in [0, 1].</summary>
    public double SubtleShare { get; init; } = 0.3;

    /// <summary>
    /// Share of normal sessions on a phone or app (3+ events) whose ip changes once mid-session, as
    /// phones move between Wi-Fi and carrier networks, in [0, 1].
    /// </summary>
    public double RoamShare { get; init; } = 0.05;

    /// <summary>Start of the simulated period. A fixed default keeps output reproducible.</summary>
    public DateTimeOffset StartTime { get; init; } = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Length of the simulated period over which sessions start (daily rhythm applies in UTC).</summary>
    public TimeSpan Span { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Registered users that sessions are drawn from; 0 picks Sessions / 4 (at least 50), so that most
    /// users come back several times, a few of them often.
    /// </summary>
    public int Users { get; init; }

    /// <summary>
    /// Prefix of every session id (event ids derive from session ids). Replaying the same seed twice
    /// into one server needs a different prefix, or the server sees the old sessions continue and
    /// drops the events as retries of ids it already counted.
    /// </summary>
    public string SessionIdPrefix { get; init; } = "s_";

    /// <summary>Throws <see cref="ArgumentException"/> when a knob is out of range.</summary>
    public void Validate()
    {
        if (Sessions < 0)
        {
            throw new ArgumentException("Sessions must not be negative.", nameof(Sessions));
        }
        if (AttackRate is < 0 or > 1 || double.IsNaN(AttackRate))
        {
            throw new ArgumentException("AttackRate must lie in [0, 1].", nameof(AttackRate));
        }
        if (SubtleShare is < 0 or > 1 || double.IsNaN(SubtleShare))
        {
            throw new ArgumentException("SubtleShare must lie in [0, 1].", nameof(SubtleShare));
        }
        if (RoamShare is < 0 or > 1 || double.IsNaN(RoamShare))
        {
            throw new ArgumentException("RoamShare must lie in [0, 1].", nameof(RoamShare));
        }
        if (Span <= TimeSpan.Zero)
        {
            throw new ArgumentException("Span must be positive.", nameof(Span));
        }
        if (SessionIdPrefix is null || SessionIdPrefix.Length > 32 || SessionIdPrefix.Any(char.IsControl))
        {
            throw new ArgumentException("SessionIdPrefix must be at most 32 characters without control characters.", nameof(SessionIdPrefix));
        }
        if (Users < 0)
        {
            throw new ArgumentException("Users must not be negative.", nameof(Users));
        }
        foreach (var a in Attacks)
        {
            if (a.Intensity is <= 0 or > 100 || double.IsNaN(a.Intensity))
            {
                throw new ArgumentException($"Intensity of {AttackClasses.Name(a.Type)} must lie in (0, 100].", nameof(Attacks));
            }
            if (a.Weight < 0 || double.IsNaN(a.Weight))
            {
                throw new ArgumentException($"Weight of {AttackClasses.Name(a.Type)} must not be negative.", nameof(Attacks));
            }
        }
    }
}

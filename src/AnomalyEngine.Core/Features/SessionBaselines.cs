namespace AnomalyEngine.Core.Features;

/// <summary>What training learned about one event name.</summary>
/// <param name="Sessions">Training sessions in which the name occurred.</param>
/// <param name="StartCount">Sessions that started with it.</param>
/// <param name="OutTotal">Transitions taken out of it (the Markov row total).</param>
/// <param name="Attempts">Actions with it that reported success or failure.</param>
/// <param name="Failures">Of those, failed.</param>
/// <param name="FailuresP99">99th percentile of failures of this name per session (sessions with attempts).</param>
/// <param name="CountQ99">99th percentile of ln(1 + count per session), sessions where it occurs.</param>
/// <param name="CountScale">Robust spread (1.4826·MAD, floored) of ln(1 + count per session).</param>
/// <param name="DurationCenter">Median ln(1 + duration_ms) over events that carried it.</param>
/// <param name="DurationScale">Robust spread of ln(1 + duration_ms), floored.</param>
/// <param name="DurationSamples">Events that carried duration_ms.</param>
public sealed record NameBaseline(
    long Sessions,
    long StartCount,
    long OutTotal,
    long Attempts,
    long Failures,
    double FailuresP99,
    double CountQ99,
    double CountScale,
    double DurationCenter,
    double DurationScale,
    long DurationSamples);

/// <summary>What training learned about one transition (from → to).</summary>
/// <param name="Count">Times it was taken in training.</param>
/// <param name="GapCenter">Median ln(1 + gap_ms).</param>
/// <param name="GapScale">Robust spread of ln(1 + gap_ms), floored.</param>
/// <param name="GapSamples">Gaps behind the two figures.</param>
public sealed record TransitionBaseline(long Count, double GapCenter, double GapScale, long GapSamples);

/// <summary>
/// Everything the features compare a session with: a smoothed first-order Markov model over event
/// names with a start state, per-name and per-transition timing baselines (medians and MADs on
/// ln(1+ms)), per-name failure rates and count profiles. Immutable and thread-safe; lookups by span
/// so the hot path does not allocate.
/// </summary>
public sealed class SessionBaselines
{
    /// <summary>Timing spreads are floored at this (log scale) so constant training gaps do not make every jitter infinite.</summary>
    public const double MinLogScale = 0.1;

    private readonly Dictionary<string, NameBaseline> _names;
    private readonly Dictionary<string, TransitionBaseline> _transitions;
    private readonly Dictionary<string, double> _transitionSurprise;
    private readonly Dictionary<string, NameBaseline>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;

    /// <summary>Creates baselines from learned figures (the builder or a loaded bundle).</summary>
    public SessionBaselines(
        long sessions,
        double alpha,
        double gapCenter,
        double gapScale,
        double typicalGapCv,
        IReadOnlyDictionary<string, NameBaseline> names,
        IReadOnlyDictionary<string, TransitionBaseline> transitions)
    {
        Sessions = sessions;
        Alpha = alpha;
        GapCenter = gapCenter;
        GapScale = Math.Max(gapScale, MinLogScale);
        TypicalGapCv = typicalGapCv;
        _names = new Dictionary<string, NameBaseline>(names, StringComparer.Ordinal);
        _transitions = new Dictionary<string, TransitionBaseline>(transitions, StringComparer.Ordinal);
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        long attempts = 0, failures = 0;
        foreach (var n in _names.Values)
        {
            attempts += n.Attempts;
            failures += n.Failures;
        }
        GlobalFailRate = (failures + 0.5) / (attempts + 1.0);
        // Precomputed so scoring a seen transition is one dictionary lookup.
        _transitionSurprise = new Dictionary<string, double>(_transitions.Count, StringComparer.Ordinal);
        foreach (var (key, t) in _transitions)
        {
            var i = key.IndexOf('\t');
            var outTotal = i > 0 && _names.TryGetValue(key[..i], out var from) ? from.OutTotal : 0;
            _transitionSurprise[key] = -Math.Log((t.Count + alpha) / (outTotal + alpha * (VocabularySize + 1)));
        }
        UnseenNameSurprise = Math.Log(VocabularySize + 1.0);
    }

    /// <summary>Training sessions behind the baselines.</summary>
    public long Sessions { get; }
    /// <summary>Additive smoothing of the Markov model.</summary>
    public double Alpha { get; }
    /// <summary>Median ln(1 + gap_ms) over all training gaps.</summary>
    public double GapCenter { get; }
    /// <summary>Robust spread of ln(1 + gap_ms) over all training gaps.</summary>
    public double GapScale { get; }
    /// <summary>Median coefficient of variation of gaps over training sessions with 3+ gaps.</summary>
    public double TypicalGapCv { get; }
    /// <summary>Failure rate over all actions of all names (for names never attempted in training).</summary>
    public double GlobalFailRate { get; }
    /// <summary>Distinct names in training.</summary>
    public int VocabularySize => _names.Count;
    /// <summary>Surprise of a step whose source name is unknown (uniform over the vocabulary + unknown).</summary>
    public double UnseenNameSurprise { get; }
    /// <summary>Per-name baselines.</summary>
    public IReadOnlyDictionary<string, NameBaseline> Names => _names;
    /// <summary>Per-transition baselines, keyed like <see cref="Sessions.SessionState.Transitions"/>.</summary>
    public IReadOnlyDictionary<string, TransitionBaseline> Transitions => _transitions;

    /// <summary>Looks a name up without allocating.</summary>
    public bool TryGetName(ReadOnlySpan<char> name, out NameBaseline baseline)
        => _nameLookup.TryGetValue(name, out baseline!);

    /// <summary>Looks a name up.</summary>
    public bool TryGetName(string name, out NameBaseline baseline) => _names.TryGetValue(name, out baseline!);

    /// <summary>Looks a transition up.</summary>
    public bool TryGetTransition(string key, out TransitionBaseline baseline) => _transitions.TryGetValue(key, out baseline!);

    /// <summary>−ln p(first name | start).</summary>
    public double EntrySurprise(string? firstName)
    {
        var start = firstName is not null && _names.TryGetValue(firstName, out var n) ? n.StartCount : 0;
        return -Math.Log((start + Alpha) / (Sessions + Alpha * (VocabularySize + 1)));
    }

    /// <summary>−ln p(to | from) for a transition key; <paramref name="seen"/> tells whether training had it.</summary>
    public double TransitionSurprise(string key, out bool seen)
    {
        if (_transitionSurprise.TryGetValue(key, out var s))
        {
            seen = true;
            return s;
        }
        seen = false;
        var i = key.IndexOf('\t');
        if (i > 0 && _nameLookup.TryGetValue(key.AsSpan(0, i), out var from))
        {
            return -Math.Log(Alpha / (from.OutTotal + Alpha * (VocabularySize + 1)));
        }
        return UnseenNameSurprise;
    }

    /// <summary>Smoothed failure rate of a name (global rate for names never attempted).</summary>
    public double FailRate(NameBaseline? name)
        => name is null || name.Attempts == 0 ? GlobalFailRate : (name.Failures + GlobalFailRate) / (name.Attempts + 1.0);
}

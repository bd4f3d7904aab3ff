using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.Core.Features;

/// <summary>What training learned about one event name.</summary>
/// <param name="Sessions">Training sessions in which the name occurred.</param>
/// <param name="Events">Training events with this name.</param>
/// <param name="StartCount">Sessions that started with it.</param>
/// <param name="EndCount">Sessions that ended with it.</param>
/// <param name="OutTotal">Transitions taken out of it (the Markov row total).</param>
/// <param name="Attempts">Actions with it that reported success or failure.</param>
/// <param name="Failures">Of those, failed.</param>
/// <param name="FailuresP99">99th percentile of failures of this name per session (sessions with attempts).</param>
/// <param name="CountQ99">99th percentile of ln(1 + count per session), sessions where it occurs.</param>
/// <param name="CountQ01">1st percentile of ln(1 + count per session) over all sessions (0 unless nearly every session has the name).</param>
/// <param name="CountScale">Robust spread (1.4826·MAD, floored) of ln(1 + count per session).</param>
/// <param name="DurationCenter">Median ln(1 + duration_ms) over events that carried it.</param>
/// <param name="DurationScale">Robust spread of ln(1 + duration_ms), floored.</param>
/// <param name="DurationSamples">Events that carried duration_ms.</param>
public sealed record NameBaseline(
    long Sessions,
    long Events,
    long StartCount,
    long EndCount,
    long OutTotal,
    long Attempts,
    long Failures,
    double FailuresP99,
    double CountQ99,
    double CountQ01,
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

/// <summary>How training sessions carried one <see cref="ContextAttribute"/>: for the reasons' "N % of sessions changed it".</summary>
/// <param name="Sessions">Training sessions whose events carried the attribute.</param>
/// <param name="ChangedSessions">Of those, the sessions in which it changed at least once.</param>
public readonly record struct ContextBaseline(long Sessions, long ChangedSessions);

/// <summary>How often training sessions on one device (the <c>device</c> attribute's value) changed their ip.</summary>
/// <param name="Device">The device value.</param>
/// <param name="Sessions">Training sessions whose latest device it was.</param>
/// <param name="IpChangedSessions">Of those, the sessions whose ip changed at least once.</param>
/// <param name="UserChecks">Of those, the sessions of a returning user (a user history check with earlier sessions).</param>
/// <param name="NewNetworks">Of those, the sessions from a network new to their user.</param>
public sealed record DeviceBaseline(string Device, long Sessions, long IpChangedSessions, long UserChecks = 0, long NewNetworks = 0);

/// <summary>
/// How often returning users' training sessions brought a value of one <see cref="ContextAttribute"/>
/// new to the user (for the ip: a new network), by how many earlier sessions the user had
/// (<see cref="UserHistoryBaseline.BucketOf"/>).
/// </summary>
/// <param name="Checks">Per bucket, sessions checked that carried the attribute.</param>
/// <param name="Novel">Per bucket, of those, the sessions whose value was new to the user.</param>
public sealed record UserHistoryBaseline(long[] Checks, long[] Novel)
{
    /// <summary>Buckets of earlier sessions: 1, 2, 3–4, 5–8, 9–16, 17 or more.</summary>
    public const int Buckets = 6;

    /// <summary>An empty baseline.</summary>
    public static UserHistoryBaseline Empty() => new(new long[Buckets], new long[Buckets]);

    /// <summary>The bucket of a user with <paramref name="priorSessions"/> (≥ 1) earlier sessions.</summary>
    public static int BucketOf(int priorSessions)
        => priorSessions <= 1 ? 0 : Math.Min(Buckets - 1, System.Numerics.BitOperations.Log2((uint)(priorSessions - 1)) + 1);

    /// <summary>Share of the bucket's sessions with a new value, smoothed (half a session in one more) so a bucket without any is not "impossible".</summary>
    public double NovelRate(int bucket) => (Novel[bucket] + 0.5) / (Checks[bucket] + 1.0);
}

/// <summary>
/// Everything the features compare a session with: a first-order Markov model over event names
/// with start and end states, smoothed towards the names' overall frequencies (a Dirichlet prior
/// of weight <see cref="Alpha"/> on the unigram distribution, so an unseen step into a common
/// page is mildly surprising and one into a rare page very surprising), per-name and per-transition timing baselines (medians and MADs on
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
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _familyLookup;
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _raritySessions;
    private readonly double _unigramDenominator;
    private readonly double _globalEndRate;
    private readonly Dictionary<ushort, DeviceBaseline> _devices;
    private readonly double _ipChangeRate;

    /// <summary>Creates baselines from learned figures (the builder or a loaded bundle).</summary>
    public SessionBaselines(
        long sessions,
        double alpha,
        double gapCenter,
        double gapScale,
        double typicalGapCv,
        IReadOnlyDictionary<string, NameBaseline> names,
        IReadOnlyDictionary<string, TransitionBaseline> transitions,
        IReadOnlyList<string>? pairNames = null,
        IReadOnlyList<long>? pairSessions = null,
        NameSetTable? nameSets = null,
        IReadOnlyList<ContextBaseline>? context = null,
        IReadOnlyList<DeviceBaseline>? devices = null,
        IReadOnlyList<UserHistoryBaseline>? userHistory = null,
        IReadOnlyDictionary<string, long>? families = null,
        CountProfileTable? countProfiles = null)
    {
        Sessions = sessions;
        NameSets = nameSets ?? NameSetTable.Empty;
        CountProfiles = countProfiles ?? CountProfileTable.Empty;
        if (context is not null && context.Count != SessionContext.Count)
        {
            throw new ArgumentException($"context baselines need one entry per attribute ({SessionContext.Count})");
        }
        Context = context is null ? new ContextBaseline[SessionContext.Count] : [.. context];
        Devices = devices is null ? [] : [.. devices];
        if (userHistory is not null && (userHistory.Count != SessionContext.Count
            || userHistory.Any(h => h.Checks.Length != UserHistoryBaseline.Buckets || h.Novel.Length != UserHistoryBaseline.Buckets)))
        {
            throw new ArgumentException($"user history baselines need one entry per attribute ({SessionContext.Count}) of {UserHistoryBaseline.Buckets} buckets");
        }
        UserHistory = userHistory is null ? [UserHistoryBaseline.Empty(), UserHistoryBaseline.Empty(), UserHistoryBaseline.Empty()] : [.. userHistory];
        _devices = new Dictionary<ushort, DeviceBaseline>(Devices.Length);
        foreach (var d in Devices)
        {
            // Two values with one digest (1 in 65,535) cannot be told apart live: the first is kept.
            _devices.TryAdd(SessionContext.Digest(d.Device), d);
        }
        var ip = Context[(int)ContextAttribute.Ip];
        _ipChangeRate = (ip.ChangedSessions + 0.5) / (ip.Sessions + 1.0);
        var k = pairNames?.Count ?? 0;
        if (k > MaxPairNames || (k > 0 && (pairSessions is null || pairSessions.Count != k * k)))
        {
            throw new ArgumentException($"pair table needs ≤ {MaxPairNames} names and names² counts");
        }
        PairNames = k == 0 ? [] : [.. pairNames!];
        _pairSessions = k == 0 ? [] : [.. pairSessions!];
        _pairIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < k; i++)
        {
            _pairIndex[PairNames[i]] = i;
        }
        Alpha = alpha;
        GapCenter = gapCenter;
        GapScale = Math.Max(gapScale, MinLogScale);
        TypicalGapCv = typicalGapCv;
        _names = new Dictionary<string, NameBaseline>(names, StringComparer.Ordinal);
        _transitions = new Dictionary<string, TransitionBaseline>(transitions, StringComparer.Ordinal);
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        long attempts = 0, failures = 0, events = 0;
        foreach (var n in _names.Values)
        {
            attempts += n.Attempts;
            failures += n.Failures;
            events += n.Events;
        }
        TotalEvents = events;
        GlobalFailRate = (failures + 0.5) / (attempts + 1.0);
        _unigramDenominator = events + 0.5 * (_names.Count + 1);
        _globalEndRate = (sessions + 0.5) / (events + 1.0);
        // Precomputed so scoring a seen transition is one dictionary lookup.
        _transitionSurprise = new Dictionary<string, double>(_transitions.Count, StringComparer.Ordinal);
        foreach (var (key, t) in _transitions)
        {
            var i = key.IndexOf('\t');
            var outTotal = i > 0 && _names.TryGetValue(key[..i], out var from) ? from.OutTotal : 0;
            var to = _names.TryGetValue(key[(i + 1)..], out var toName) ? toName : null;
            _transitionSurprise[key] = -Math.Log((t.Count + alpha * Unigram(to)) / (outTotal + alpha));
        }
        UnseenNameSurprise = -Math.Log(Unigram(null));
        UnseenNameRarity = -Math.Log(0.5 / (sessions + 1.0));
        var familySessions = families is null ? [] : new Dictionary<string, long>(families, StringComparer.Ordinal);
        Families = familySessions;
        _familyLookup = familySessions.GetAlternateLookup<ReadOnlySpan<char>>();
        var raritySessions = new Dictionary<string, long>(_names.Count, StringComparer.Ordinal);
        foreach (var (name, n) in _names)
        {
            raritySessions[name] = Math.Max(n.Sessions, Families.GetValueOrDefault(NameFamily.Of(name)));
        }
        _raritySessions = raritySessions.GetAlternateLookup<ReadOnlySpan<char>>();
        var required = new List<KeyValuePair<string, NameBaseline>>();
        foreach (var (name, n) in _names)
        {
            if (n.CountQ01 > 0)
            {
                required.Add(new(name, n));
            }
        }
        required.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        RequiredNames = [.. required];
    }

    /// <summary>Names nearly every training session has (p1 of their count above zero), for the count deficit.</summary>
    public KeyValuePair<string, NameBaseline>[] RequiredNames { get; }

    /// <summary>Training sessions behind the baselines.</summary>
    public long Sessions { get; }
    /// <summary>Training events.</summary>
    public long TotalEvents { get; }
    /// <summary>Weight of the unigram prior in the Markov model (pseudo-transitions per row).</summary>
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
    /// <summary>Surprise of a step into a name never seen in training (−ln of its smoothed unigram share).</summary>
    public double UnseenNameSurprise { get; }
    /// <summary>Rarity of a name no training session had: −ln(0.5 / (sessions + 1)).</summary>
    public double UnseenNameRarity { get; }

    /// <summary>Smoothed share of all training events that have this name (add-½; null = unseen name).</summary>
    public double Unigram(NameBaseline? name) => ((name?.Events ?? 0) + 0.5) / _unigramDenominator;

    /// <summary>
    /// Training sessions that contain a name of the same family (<see cref="NameFamily"/>), or the
    /// name itself when it has no wider family: what its rarity counts. 0 for a name never seen
    /// whose family was not seen either.
    /// </summary>
    public long RaritySessions(ReadOnlySpan<char> name)
    {
        if (_raritySessions.TryGetValue(name, out var sessions))
        {
            return sessions;
        }
        if (Families.Count == 0 || !NameFamily.IsTemplated(name))
        {
            return 0;
        }
        var length = NameFamily.MaxLength(name.Length);
        var buffer = length <= 1024 ? stackalloc char[length] : new char[length];
        return _familyLookup.TryGetValue(buffer[..NameFamily.Write(name, buffer)], out var family) ? family : 0;
    }

    /// <summary>
    /// −ln share of training sessions that contain the name or another of its family (add-½): how
    /// rare a page or action is. A product page never seen is as common as product pages are.
    /// </summary>
    public double Rarity(ReadOnlySpan<char> name) => -Math.Log((RaritySessions(name) + 0.5) / (Sessions + 1.0));

    /// <summary>Training sessions per family of names with a segment of digits (<see cref="NameFamily"/>).</summary>
    public IReadOnlyDictionary<string, long> Families { get; }
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
        var n = firstName is not null && _names.TryGetValue(firstName, out var nb) ? nb : null;
        return -Math.Log(((n?.StartCount ?? 0) + Alpha * Unigram(n)) / (Sessions + Alpha));
    }

    /// <summary>−ln p(session ends | latest name): how unusual it is to stop here.</summary>
    public double ExitSurprise(string? lastName)
    {
        if (lastName is null || !_names.TryGetValue(lastName, out var n))
        {
            return UnseenNameSurprise;
        }
        return -Math.Log((n.EndCount + Alpha * _globalEndRate) / (n.EndCount + n.OutTotal + Alpha));
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
        var to = i >= 0 && _nameLookup.TryGetValue(key.AsSpan(i + 1), out var toName) ? toName : null;
        if (i > 0 && _nameLookup.TryGetValue(key.AsSpan(0, i), out var from))
        {
            return -Math.Log(Alpha * Unigram(to) / (from.OutTotal + Alpha));
        }
        return -Math.Log(Unigram(to));
    }

    /// <summary>
    /// How much less likely the transition's target is after its source than in general:
    /// −ln p(to | from) + ln p(to) (the unigram share), i.e. minus the pointwise mutual information.
    /// Large when a well-observed source never (or rarely) leads to a name that is common enough
    /// elsewhere (login → payout settings); near zero for an unseen step into a name that is rare
    /// everywhere (one more rarely viewed product). Allocation-free.
    /// </summary>
    public double TransitionLift(string key)
    {
        var surprise = TransitionSurprise(key, out _);
        var i = key.IndexOf('\t');
        var to = i >= 0 && _nameLookup.TryGetValue(key.AsSpan(i + 1), out var toName) ? toName : null;
        return surprise + Math.Log(Unigram(to));
    }

    /// <summary>Most names kept in the co-occurrence table.</summary>
    public const int MaxPairNames = 48;
    /// <summary>A name enters the co-occurrence table when at least this many training sessions contain it.</summary>
    public const int MinPairNameSessions = 3;

    private readonly long[] _pairSessions;
    private readonly Dictionary<string, int> _pairIndex;

    /// <summary>Names of the co-occurrence table (the most common names, by sessions containing them).</summary>
    public string[] PairNames { get; }

    /// <summary>Sessions containing both names i and j (i == j: sessions containing i), row-major.</summary>
    public IReadOnlyList<long> PairSessions => _pairSessions;

    /// <summary>Index of a name in the co-occurrence table, or −1. Allocation-free.</summary>
    public int PairIndexOf(string name) => _pairIndex.TryGetValue(name, out var i) ? i : -1;

    /// <summary>
    /// How much less likely name <paramref name="b"/> is in a session that has <paramref name="a"/>
    /// than in any session: ln p(b) − ln p(b | a), add-½ smoothed (pair-table indices).
    /// </summary>
    public double CooccurrenceLift(int a, int b)
    {
        var k = PairNames.Length;
        var nb = _pairSessions[b * k + b];
        var na = _pairSessions[a * k + a];
        var nab = _pairSessions[a * k + b];
        return Math.Log((nb + 0.5) / (Sessions + 1.0)) - Math.Log((nab + 0.5) / (na + 1.0));
    }

    /// <summary>Which combinations of the common names training sessions held.</summary>
    public NameSetTable NameSets { get; }

    /// <summary>The name counts training sessions ended with.</summary>
    public CountProfileTable CountProfiles { get; }

    /// <summary>Per <see cref="ContextAttribute"/>, how training sessions carried and changed it (zeros for older bundles).</summary>
    public ContextBaseline[] Context { get; }

    /// <summary>The most common devices of training sessions and how often their ip changed.</summary>
    public DeviceBaseline[] Devices { get; }

    /// <summary>Devices with fewer training sessions lean on the rate over all devices as if it were this many sessions.</summary>
    public const double DevicePriorWeight = 20;

    /// <summary>The device whose value has this digest, if training had it among <see cref="Devices"/>.</summary>
    public bool TryGetDevice(ushort digest, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out DeviceBaseline device)
        => _devices.TryGetValue(digest, out device);

    /// <summary>
    /// −ln of the share of training sessions on this device (by digest; 0 or unknown: all devices)
    /// whose ip changed, shrunk towards the share over all devices. Phones move between networks,
    /// desktops rarely do, so an ip change on a desktop weighs more.
    /// </summary>
    public double IpChangeRarity(ushort deviceDigest)
    {
        var rate = _ipChangeRate;
        if (deviceDigest != 0 && _devices.TryGetValue(deviceDigest, out var d))
        {
            rate = ShrunkTowards(d.IpChangedSessions, d.Sessions, _ipChangeRate);
        }
        return -Math.Log(rate);
    }

    /// <summary>A device's share <paramref name="part"/> / <paramref name="whole"/>, with <see cref="DevicePriorWeight"/> sessions at <paramref name="prior"/> added.</summary>
    private static double ShrunkTowards(long part, long whole, double prior) => (part + DevicePriorWeight * prior) / (whole + DevicePriorWeight);

    /// <summary>Per <see cref="ContextAttribute"/>, how often returning users' sessions brought a new value.</summary>
    public UserHistoryBaseline[] UserHistory { get; }

    /// <summary>
    /// −ln of the share of returning users' training sessions, with as many earlier sessions, whose
    /// value of <paramref name="attribute"/> was new to the user; 0 when the check found it known or
    /// the user had no earlier session. For the network, the share on the session's device (by
    /// digest) is shrunk towards it: phones come from carrier networks, desktops from home.
    /// </summary>
    public double UserNoveltyRarity(ContextAttribute attribute, UserCheck check, ushort deviceDigest)
    {
        if (check.PriorSessions < 1 || !check.IsNovel(attribute))
        {
            return 0;
        }
        var rate = UserHistory[(int)attribute].NovelRate(UserHistoryBaseline.BucketOf(check.PriorSessions));
        if (attribute == ContextAttribute.Ip && deviceDigest != 0 && _devices.TryGetValue(deviceDigest, out var d))
        {
            rate = ShrunkTowards(d.NewNetworks, d.UserChecks, rate);
        }
        return -Math.Log(rate);
    }

    /// <summary>Pseudo-attempts at the global rate added to each name's failure rate, so one failure in one attempt is not "fails half the time".</summary>
    public const double FailRatePriorWeight = 5.0;

    /// <summary>Smoothed failure rate of a name (global rate for names never attempted).</summary>
    public double FailRate(NameBaseline? name)
        => name is null ? GlobalFailRate : (name.Failures + FailRatePriorWeight * GlobalFailRate) / (name.Attempts + FailRatePriorWeight);
}

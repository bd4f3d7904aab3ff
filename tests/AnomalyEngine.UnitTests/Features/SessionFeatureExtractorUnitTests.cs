using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Scoring.Training;
using AnomalyEngine.UnitTests.Scoring;

namespace AnomalyEngine.UnitTests.Features;

public sealed class SessionFeatureExtractorUnitTests
{
    private static readonly SessionBaselines Baselines =
        SyntheticSessions.Baselines(SessionReplayer.Group(SyntheticSessions.Humans(600, seed: 4)).Select(g => g.Value));

    private static double[] Features(IEnumerable<SessionEvent> events)
    {
        var f = new double[FeatureSchema.Count];
        new SessionFeatureExtractor(Baselines).Extract(SessionReplayer.Replay(events.ToList()), f);
        return f;
    }

    private static SessionEvent V(long t, string name) => new("s", SyntheticSessions.T0 + t, EventKind.View, name);

    [Fact]
    public void Unseen_transition_raises_surprise()
    {
        var usual = Features([V(0, "/home"), V(6000, "/search"), V(12000, "/product")]);
        var odd = Features([V(0, "/home"), V(6000, "/checkout"), V(12000, "/product")]);
        Assert.True(odd[FeatureSchema.NavSurpriseMax] > usual[FeatureSchema.NavSurpriseMax] + 2,
            $"{odd[FeatureSchema.NavSurpriseMax]} vs {usual[FeatureSchema.NavSurpriseMax]}");
        Assert.True(odd[FeatureSchema.NavUnseenTransitionShare] > 0);
        Assert.Equal(0, usual[FeatureSchema.NavUnseenTransitionShare]);
        Assert.Equal(0, odd[FeatureSchema.NavUnseenNames]);
    }

    [Fact]
    public void Unknown_name_is_counted_and_rarer_than_any_known_one()
    {
        var f = Features([V(0, "/home"), V(6000, "/admin/export")]);
        Assert.Equal(1, f[FeatureSchema.NavUnseenNames]);
        Assert.Equal(Baselines.UnseenNameRarity, f[FeatureSchema.NavRareName], 9);
    }

    [Fact]
    public void Failure_burst_raises_the_binomial_excess()
    {
        var one = Features(SyntheticSessions.CredentialStuffing("s", attempts: 1));
        var nine = Features(SyntheticSessions.CredentialStuffing("s", attempts: 9));
        Assert.True(nine[FeatureSchema.FailExcessZ] > one[FeatureSchema.FailExcessZ] + 1);
        Assert.Equal(9, nine[FeatureSchema.FailMaxStreak]);
        Assert.Equal(1.0, nine[FeatureSchema.FailRatio]);
        Assert.True(nine[FeatureSchema.FailPerMinute] > 10);
    }

    [Fact]
    public void Regular_gaps_raise_regularity_and_lower_the_coefficient_of_variation()
    {
        var bot = Features(SyntheticSessions.Scraper(new Random(1), "s", pages: 30));
        var human = Features(SyntheticSessions.Human(new Random(8), "s"));
        Assert.True(bot[FeatureSchema.DurGapCv] < 0.05, $"cv {bot[FeatureSchema.DurGapCv]}");
        Assert.True(bot[FeatureSchema.DurRegularity] > 2, $"regularity {bot[FeatureSchema.DurRegularity]}");
        Assert.True(bot[FeatureSchema.DurSpeedZ] < -3, "200 ms gaps are far faster than the ~6 s of humans");
        Assert.True(human[FeatureSchema.DurRegularity] < bot[FeatureSchema.DurRegularity]);
    }

    [Fact]
    public void Sum_of_squared_z_from_moments_is_exact()
    {
        double[] xs = [1.5, 2.0, 7.25, 3.0];
        double sum = 0, sumSq = 0, direct = 0;
        foreach (var x in xs)
        {
            sum += x;
            sumSq += x * x;
            direct += Math.Pow((x - 2.5) / 0.75, 2);
        }
        Assert.Equal(direct, SessionFeatureExtractor.SumSquaredZ(xs.Length, sum, sumSq, 2.5, 0.75), 9);
    }

    [Fact]
    public void Exit_surprise_is_high_where_sessions_never_end()
    {
        var f = new double[FeatureSchema.Count];
        var extractor = new SessionFeatureExtractor(Baselines);
        // Humans never end right after the login page.
        extractor.Extract(SessionReplayer.Replay([V(0, "/home"), V(5000, "/login")]), f);
        var atLogin = f[FeatureSchema.NavExitSurprise];
        extractor.Extract(SessionReplayer.Replay([V(0, "/home"), V(5000, "/product")]), f);
        Assert.True(atLogin > f[FeatureSchema.NavExitSurprise] + 2, $"{atLogin} vs {f[FeatureSchema.NavExitSurprise]}");
    }

    [Fact]
    public void Schema_hash_covers_names_and_order()
    {
        var names = FeatureSchema.Names.ToList();
        Assert.Equal(FeatureSchema.Hash, FeatureSchema.ComputeHash(names));
        (names[0], names[1]) = (names[1], names[0]);
        Assert.NotEqual(FeatureSchema.Hash, FeatureSchema.ComputeHash(names));
        Assert.Equal(FeatureSchema.Count, FeatureSchema.Names.Count);
    }
}

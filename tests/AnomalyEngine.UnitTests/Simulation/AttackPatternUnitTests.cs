using AnomalyEngine.Core.Events;
using AnomalyEngine.Simulation;
using static AnomalyEngine.UnitTests.Simulation.SimulationTestData;

namespace AnomalyEngine.UnitTests.Simulation;

/// <summary>Each attack has the property that defines it, and the subtle variant is milder than the blatant one.</summary>
public sealed class AttackPatternUnitTests
{
    private static readonly List<SimulatedSession> s_normal = Normal(1000);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Credential_stuffing_has_many_failed_logins_and_few_views(bool subtle)
    {
        var sessions = Attacks(AttackType.CredentialStuffing, subtle);
        Assert.All(sessions, s => Assert.Equal(subtle ? "credential_stuffing_subtle" : "credential_stuffing", s.Class));
        foreach (var s in sessions)
        {
            var failed = Count(s.Events, SiteMap.LoginAction, success: false);
            Assert.True(failed >= (subtle ? 2 : 4), $"{s.SessionId}: {failed} failed logins");
        }
        var failedPerSession = sessions.Average(s => Count(s.Events, SiteMap.LoginAction, success: false));
        Assert.True(failedPerSession >= (subtle ? 3 : 12), $"{failedPerSession} failed logins per session");
        // Humans practically never fail this often.
        Assert.True(s_normal.Max(s => Count(s.Events, SiteMap.LoginAction, success: false)) <= 2);
        if (!subtle)
        {
            var views = sessions.Average(s => s.Events.Count(e => e.Kind == EventKind.View));
            Assert.True(views < failedPerSession / 3, $"{views} views per session");
            Assert.True(Median(sessions.SelectMany(s => Gaps(s.Events)).ToList()) < 2_000);
        }
    }

    [Fact]
    public void Subtle_credential_stuffing_is_slower_and_shorter_than_blatant()
    {
        var blatant = Attacks(AttackType.CredentialStuffing, subtle: false);
        var subtle = Attacks(AttackType.CredentialStuffing, subtle: true);
        Assert.True(Median(subtle.SelectMany(s => Gaps(s.Events)).ToList()) > 3 * Median(blatant.SelectMany(s => Gaps(s.Events)).ToList()));
        Assert.True(subtle.Average(s => Count(s.Events, SiteMap.LoginAction)) < blatant.Average(s => Count(s.Events, SiteMap.LoginAction)) / 2);
        Assert.True(subtle.Average(s => s.Events.Count(e => e.Kind == EventKind.View)) > blatant.Average(s => s.Events.Count(e => e.Kind == EventKind.View)));
    }

    [Fact]
    public void Scraper_crawls_catalog_with_regular_fast_gaps_and_never_touches_the_cart()
    {
        var sessions = Attacks(AttackType.Scraper, subtle: false);
        foreach (var s in sessions)
        {
            Assert.DoesNotContain(s.Events, e => e.Name is SiteMap.Cart or SiteMap.AddToCart or SiteMap.Checkout);
            var gaps = Gaps(s.Events);
            Assert.True(Cv(gaps) < 0.1, $"{s.SessionId}: gap cv {Cv(gaps)}");
            Assert.True(Median(gaps) < 2_000);
            Assert.True(s.Events.Count(e => e.Name.StartsWith("/product/", StringComparison.Ordinal) || e.Name.StartsWith(SiteMap.Catalog, StringComparison.Ordinal))
                >= s.Events.Count - 1);
            // Breadth first: every category page comes before the first product page.
            var firstProduct = s.Events.ToList().FindIndex(e => e.Name.StartsWith("/product/", StringComparison.Ordinal));
            Assert.Equal(SiteMap.Categories.Count, s.Events.Take(firstProduct).Count(e => e.Name.StartsWith(SiteMap.Catalog + "/", StringComparison.Ordinal)));
        }
        // Human gaps are far from regular.
        var humanCv = s_normal.Where(s => s.Events.Count >= 10).Select(s => Cv(Gaps(s.Events))).Order().First();
        Assert.True(humanCv > 0.2, $"most regular human cv {humanCv}");
    }

    [Fact]
    public void Subtle_scraper_is_jittered_and_slower_but_still_has_no_cart()
    {
        var sessions = Attacks(AttackType.Scraper, subtle: true);
        var blatant = Attacks(AttackType.Scraper, subtle: false);
        Assert.All(sessions, s => Assert.DoesNotContain(s.Events, e => e.Name is SiteMap.Cart or SiteMap.AddToCart));
        Assert.All(sessions, s => Assert.True(Cv(Gaps(s.Events)) > 0.15));
        Assert.True(Median(sessions.SelectMany(s => Gaps(s.Events)).ToList()) > 2 * Median(blatant.SelectMany(s => Gaps(s.Events)).ToList()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Account_takeover_logs_in_then_goes_for_settings_and_payout(bool subtle)
    {
        var sessions = Attacks(AttackType.AccountTakeover, subtle);
        foreach (var s in sessions)
        {
            var names = s.Events.Select(e => e.Name).ToList();
            var login = s.Events.ToList().FindIndex(e => e.Name == SiteMap.LoginAction && e.Success == true);
            Assert.True(login >= 0, $"{s.SessionId}: no successful login");
            var after = names.Skip(login + 1).ToList();
            Assert.Contains(SiteMap.EmailChange, after);
            Assert.Contains(SiteMap.PayoutMethodAdd, after);
            Assert.Contains(SiteMap.Payout, after);
            Assert.NotNull(s.Events[^1].UserId);
            Assert.DoesNotContain(SiteMap.Cart, names);
            if (!subtle)
            {
                // No browsing at all: login first, then straight to the settings.
                Assert.True(login <= 2);
                Assert.Equal(SiteMap.Settings, names[login + 1]);
            }
            else
            {
                Assert.True(login >= 3, "subtle takeovers browse first");
            }
        }
        // Humans rarely add a payout method at all.
        var humanShare = s_normal.Count(s => s.Events.Any(e => e.Name == SiteMap.PayoutMethodAdd)) / (double)s_normal.Count;
        Assert.True(humanShare < 0.01, $"{humanShare:P2} of humans add payout methods");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Card_testing_repeats_small_mostly_failed_payments(bool subtle)
    {
        var sessions = Attacks(AttackType.CardTesting, subtle, sessions: 80);
        var payments = sessions.SelectMany(s => s.Events).Where(e => e.Name == SiteMap.Payment).ToList();
        var failedShare = payments.Count(e => e.Success == false) / (double)payments.Count;
        Assert.True(failedShare > (subtle ? 0.5 : 0.75), $"{failedShare:P0} failed");
        Assert.All(sessions, s => Assert.True(Count(s.Events, SiteMap.Payment) >= 3));
        Assert.All(payments, e => Assert.True(double.Parse(e.Attributes!["amount"], System.Globalization.CultureInfo.InvariantCulture) < 10));
        if (!subtle)
        {
            Assert.True(sessions.Average(s => Count(s.Events, SiteMap.Payment)) >= 10);
        }
        else
        {
            var blatant = Attacks(AttackType.CardTesting, subtle: false);
            Assert.True(Median(sessions.SelectMany(s => Gaps(s.Events)).ToList()) > 5 * Median(blatant.SelectMany(s => Gaps(s.Events)).ToList()));
        }
        // People pay once per checkout, twice after a decline; three payments in a session are rare.
        var humanShare = s_normal.Count(s => Count(s.Events, SiteMap.Payment) >= 3) / (double)s_normal.Count;
        Assert.True(humanShare < 0.01, $"{humanShare:P2} of human sessions pay 3+ times");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Session_hijack_changes_network_navigation_and_pace_midway(bool subtle)
    {
        var sessions = Attacks(AttackType.SessionHijack, subtle);
        var before = new List<long>();
        var after = new List<long>();
        foreach (var s in sessions)
        {
            var firstIp = s.Events[0].Attributes!["ip"];
            var switchAt = s.Events.ToList().FindIndex(e => e.Attributes!["ip"] != firstIp);
            Assert.True(switchAt >= 4, $"{s.SessionId}: no honest first half");
            Assert.All(s.Events, e => Assert.Equal(s.Events[0].UserId, e.UserId));
            Assert.NotNull(s.Events[0].UserId);
            before.AddRange(Gaps(s.Events, 0, switchAt));
            // The gap into the takeover is the wait for the stolen cookie, not the attacker's pace.
            after.AddRange(Gaps(s.Events, switchAt));
            var tail = s.Events.Skip(switchAt).Select(e => e.Name).ToList();
            Assert.Contains(SiteMap.PayoutMethodAdd, tail);
            Assert.All(tail, n => Assert.True(n.StartsWith("/account", StringComparison.Ordinal) || n.Contains('_'), n));
            if (subtle)
            {
                Assert.Equal(s.Events[0].Attributes!["device"], s.Events[^1].Attributes!["device"]);
            }
            else
            {
                Assert.Equal(SiteMap.Payout, tail[0]);
            }
        }
        // Humans dwell for seconds to minutes; after the takeover the pace is a bot's (blatant) or hurried (subtle).
        Assert.True(Median(after) * (subtle ? 2 : 5) < Median(before), $"pace {Median(before)} → {Median(after)}");
        if (!subtle)
        {
            Assert.True(Median(after) < 1_500, "bot-fast after the takeover");
        }
    }

    [Fact]
    public void Intensity_scales_the_attack()
    {
        static double Attempts(double intensity) => new TrafficSimulator(new SimulationOptions
        {
            Seed = 17,
            Sessions = 40,
            AttackRate = 1,
            SubtleShare = 0,
            Attacks = [new AttackSpec(AttackType.CredentialStuffing, Intensity: intensity)],
        }).Generate().Average(s => Count(s.Events, SiteMap.LoginAction));
        Assert.True(Attempts(2.0) > 1.6 * Attempts(1.0));
        Assert.True(Attempts(0.5) < 0.7 * Attempts(1.0));
    }
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Simulation;
using static AnomalyEngine.UnitTests.Simulation.SimulationTestData;

namespace AnomalyEngine.UnitTests.Simulation;

public sealed class HumanBehaviorUnitTests
{
    private static readonly List<SimulatedSession> s_normal = Normal();

    [Fact]
    public void Session_lengths_vary_from_one_to_about_sixty_events()
    {
        var lengths = s_normal.Select(s => s.Events.Count).ToList();
        Assert.Contains(1, lengths);
        Assert.True(lengths.Max() >= 30, $"longest {lengths.Max()}");
        Assert.True(lengths.Max() <= 60);
        Assert.InRange(lengths.Average(), 4, 20);
    }

    [Fact]
    public void Dwell_times_are_heavy_tailed_from_seconds_to_minutes()
    {
        var gaps = s_normal.SelectMany(s => Gaps(s.Events)).ToList();
        var median = Median(gaps);
        Assert.InRange(median, 2_000, 40_000);
        // A heavy tail: some gaps of several minutes, far beyond the median.
        Assert.Contains(gaps, g => g > 5 * 60_000);
        Assert.True(Cv(gaps) > 1.0, $"cv {Cv(gaps)}");
    }

    [Fact]
    public void Product_popularity_is_skewed()
    {
        var views = s_normal.SelectMany(s => s.Events).Where(e => e.Name.StartsWith("/product/", StringComparison.Ordinal)).ToList();
        var byProduct = views.GroupBy(e => e.Name).Select(g => g.Count()).OrderDescending().ToList();
        Assert.True(byProduct.Count > 200, $"{byProduct.Count} distinct products");
        // The top 1 % of products draw a large share of the views.
        var top = byProduct.Take(SiteMap.ProductCount / 100).Sum();
        Assert.True(top > views.Count * 0.2, $"top share {top / (double)views.Count:P0}");
    }

    [Fact]
    public void Honest_failures_happen_but_rarely()
    {
        var events = s_normal.SelectMany(s => s.Events).ToList();
        var logins = Count(events, SiteMap.LoginAction);
        var failedLogins = Count(events, SiteMap.LoginAction, success: false);
        Assert.True(logins > 50);
        Assert.InRange(failedLogins / (double)logins, 0.01, 0.25);
        var payments = Count(events, SiteMap.Payment);
        var declined = Count(events, SiteMap.Payment, success: false);
        Assert.True(payments > 10, $"{payments} payments");
        Assert.True(declined >= 1);
        Assert.True(declined < payments / 2);
        // After a mistyped password, people usually get in.
        Assert.Contains(s_normal, s => s.Events.Any(e => e.Name == SiteMap.LoginAction && e.Success == false)
            && s.Events.Any(e => e.Name == SiteMap.LoginAction && e.Success == true));
    }

    [Fact]
    public void Users_come_back_and_views_and_actions_are_well_formed()
    {
        var sessionsPerUser = s_normal.Select(s => s.Events.LastOrDefault(e => e.UserId is not null)?.UserId)
            .Where(u => u is not null).GroupBy(u => u).Select(g => g.Count()).ToList();
        Assert.True(sessionsPerUser.Max() >= 5, "some users return often");
        Assert.Contains(s_normal, s => s.Events[0].UserId is not null);
        Assert.Contains(s_normal, s => s.Events.All(e => e.UserId is null));
        var events = s_normal.SelectMany(s => s.Events).ToList();
        Assert.All(events.Where(e => e.Kind == EventKind.View), e => Assert.StartsWith("/", e.Name));
        Assert.All(events.Where(e => e.Kind == EventKind.Action), e => Assert.NotNull(e.Success));
        Assert.All(events.Where(e => e.Kind == EventKind.View), e => Assert.Null(e.Success));
        Assert.Contains(events, e => e.DurationMs is not null);
        Assert.Contains(events, e => e.DurationMs is null);
        Assert.All(events, e => Assert.True(e.Attributes!.ContainsKey("ip") && e.Attributes.ContainsKey("device") && e.Attributes.ContainsKey("country")));
    }

    [Fact]
    public void More_sessions_start_by_day_than_at_night()
    {
        var hours = s_normal.Select(s => DateTimeOffset.FromUnixTimeMilliseconds(s.StartTs).Hour).ToList();
        var night = hours.Count(h => h is >= 1 and < 6);
        var evening = hours.Count(h => h is >= 17 and < 22);
        Assert.True(evening > 3 * night, $"evening {evening}, night {night}");
    }
}

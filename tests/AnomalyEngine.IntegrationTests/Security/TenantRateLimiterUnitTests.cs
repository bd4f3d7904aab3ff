using AnomalyEngine.Server.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>The token bucket on a fake clock: refill, burst, whole-batch admission, per-tenant buckets.</summary>
public sealed class TenantRateLimiterUnitTests
{
    private readonly FakeTimeProvider _time = new();

    private TenantRateLimiter Limiter(double defaultRate = 0, double defaultBurst = 0, params (string Tenant, double Rate, double Burst)[] tenants)
    {
        var auth = new AuthOptions();
        foreach (var (tenant, rate, burst) in tenants)
        {
            auth.Tenants[tenant] = new TenantAuthOptions { EventsPerSecond = rate, Burst = burst };
        }
        var limits = new LimitsOptions { DefaultEventsPerSecond = defaultRate, DefaultBurst = defaultBurst };
        return new TenantRateLimiter(LiveTenants.Fixed(auth), Options.Create(limits), _time);
    }

    [Fact]
    public void Without_a_rate_everything_passes()
    {
        var limiter = Limiter();
        Assert.True(limiter.TryAcquire("default", 1_000_000, out _));
    }

    [Fact]
    public void A_burst_is_admitted_then_refused_until_the_clock_refills_it()
    {
        var limiter = Limiter(tenants: ("acme", 10, 20));
        Assert.True(limiter.TryAcquire("acme", 15, out _));
        Assert.False(limiter.TryAcquire("acme", 10, out var retry));
        Assert.Equal(TimeSpan.FromSeconds(0.5), retry);

        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(limiter.TryAcquire("acme", 10, out _));
        Assert.False(limiter.TryAcquire("acme", 1, out _));

        // Refill never exceeds the burst.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.True(limiter.TryAcquire("acme", 20, out _));
        Assert.False(limiter.TryAcquire("acme", 1, out _));
    }

    [Fact]
    public void A_refused_batch_takes_nothing()
    {
        var limiter = Limiter(tenants: ("acme", 1, 5));
        Assert.False(limiter.TryAcquire("acme", 6, out _));
        Assert.True(limiter.TryAcquire("acme", 5, out _));
    }

    [Fact]
    public void The_default_burst_fits_a_full_batch_even_at_a_low_rate()
    {
        var limiter = Limiter(defaultRate: 5);
        Assert.True(limiter.TryAcquire("default", 1000, out _));
        Assert.False(limiter.TryAcquire("default", 1, out _));
    }

    [Fact]
    public void Tenants_have_separate_buckets_and_fall_back_to_the_default_rate()
    {
        var limiter = Limiter(defaultRate: 2, defaultBurst: 2, ("acme", 100, 100));
        Assert.True(limiter.TryAcquire("other", 2, out _));
        Assert.False(limiter.TryAcquire("other", 1, out _));
        Assert.True(limiter.TryAcquire("acme", 100, out _));
        Assert.True(limiter.TryAcquire("third", 2, out _));
    }
}

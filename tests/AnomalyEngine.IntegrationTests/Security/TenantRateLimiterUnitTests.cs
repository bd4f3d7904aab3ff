using AnomalyEngine.Server.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AnomalyEngine.IntegrationTests.Security;

/// <summary>The token bucket on a fake clock: refill, burst, whole-batch admission, per-tenant buckets.</summary>
public sealed class TenantRateLimiterUnitTests
{
    private readonly FakeTimeProvider _time = new();

    private TenantRateLimiter Limiter(double defaultRate = 0, double defaultBurst = 0, params (string Tenant, double Rate, double Burst)[] tenants) =>
        Limiter(ReplicaCensus.Fixed(1), defaultRate, defaultBurst, tenants);

    private TenantRateLimiter Limiter(ReplicaCensus census, double defaultRate = 0, double defaultBurst = 0, params (string Tenant, double Rate, double Burst)[] tenants)
    {
        var auth = new AuthOptions();
        foreach (var (tenant, rate, burst) in tenants)
        {
            auth.Tenants[tenant] = new TenantAuthOptions { EventsPerSecond = rate, Burst = burst };
        }
        var limits = new LimitsOptions { DefaultEventsPerSecond = defaultRate, DefaultBurst = defaultBurst };
        return new TenantRateLimiter(LiveTenants.Fixed(auth), census, Options.Create(limits), _time);
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

    [Fact]
    public void With_cluster_wide_limits_each_of_N_replicas_takes_a_share_of_rate_and_burst()
    {
        var limiter = Limiter(ReplicaCensus.Fixed(2), tenants: ("acme", 10, 20));
        Assert.True(limiter.TryAcquire("acme", 10, out _));
        Assert.False(limiter.TryAcquire("acme", 1, out var retry));
        Assert.Equal(TimeSpan.FromSeconds(0.2), retry); // 5 events/s here

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire("acme", 5, out _));
        Assert.False(limiter.TryAcquire("acme", 1, out _));
    }

    [Fact]
    public void A_reload_retunes_the_bucket_without_handing_out_a_fresh_burst()
    {
        var memory = new MemoryConfigurationSource { InitialData = new Dictionary<string, string?>
        {
            ["Auth:Tenants:acme:EventsPerSecond"] = "10",
            ["Auth:Tenants:acme:Burst"] = "20",
        } };
        var config = new ConfigurationBuilder().Add(memory).Build();
        var start = new AuthOptions();
        config.GetSection("Auth").Bind(start);
        using var live = new LiveTenants(Options.Create(start), config, new AcceptAll(), NullLogger<LiveTenants>.Instance);
        var limiter = new TenantRateLimiter(live, ReplicaCensus.Fixed(1), Options.Create(new LimitsOptions()), _time);
        Assert.True(limiter.TryAcquire("acme", 15, out _));
        Assert.True(limiter.TryAcquire("globex", 1_000, out _)); // unlimited

        var provider = (MemoryConfigurationProvider)config.Providers.Single();
        provider.Set("Auth:Tenants:acme:EventsPerSecond", "100");
        provider.Set("Auth:Tenants:acme:Burst", "200");
        provider.Set("Auth:Tenants:globex:EventsPerSecond", "1");
        provider.Set("Auth:Tenants:globex:Burst", "3");
        config.Reload();
        Assert.Equal(2, live.Current.Version);

        Assert.False(limiter.TryAcquire("acme", 6, out _)); // the 5 tokens left, not 200
        Assert.True(limiter.TryAcquire("acme", 5, out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire("acme", 100, out _)); // refills at the new rate
        Assert.True(limiter.TryAcquire("globex", 3, out _)); // limited now, starting full
        Assert.False(limiter.TryAcquire("globex", 1, out _));
    }

    private sealed class AcceptAll : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options) => ValidateOptionsResult.Success;
    }
}

using AnomalyEngine.Server.Alerts;

namespace AnomalyEngine.IntegrationTests.Alerts;

/// <summary>When a repeat anomalous verdict may skip the append script, and when it must not.</summary>
public sealed class SuppressionMemoryTests
{
    private const long Refresh = 1_000;

    [Fact]
    public void After_an_alert_only_same_or_lower_severities_skip_the_script_and_only_within_the_refresh_interval()
    {
        var memory = new SuppressionMemory(Refresh);
        Assert.False(memory.CertainlySuppressed("t", "s", 2, 0)); // never asked: the script decides

        memory.Learned("t", "s", 2, 10);

        Assert.True(memory.CertainlySuppressed("t", "s", 2, 500));
        Assert.True(memory.CertainlySuppressed("t", "s", 1, 500));
        Assert.False(memory.CertainlySuppressed("t", "s", 3, 500)); // an escalation
        Assert.False(memory.CertainlySuppressed("t", "other", 1, 500));
        Assert.False(memory.CertainlySuppressed("u", "s", 1, 500)); // another tenant's session
        Assert.False(memory.CertainlySuppressed("t", "s", 1, 10 + Refresh)); // time to refresh the script's memory
    }

    [Fact]
    public void A_suppressed_answer_never_lowers_what_is_known()
    {
        var memory = new SuppressionMemory(Refresh);
        memory.Learned("t", "s", 3, 0);
        memory.Learned("t", "s", 1, 100);

        Assert.True(memory.CertainlySuppressed("t", "s", 3, 200));
    }

    [Fact]
    public void An_answer_is_trusted_for_one_refresh_interval_even_across_a_generation_swap()
    {
        var memory = new SuppressionMemory(Refresh);
        memory.Learned("t", "s", 2, 500);
        memory.Learned("t", "x", 2, 1_200); // a refresh interval since the start: generations swap

        Assert.True(memory.CertainlySuppressed("t", "s", 2, 1_400));
        Assert.False(memory.CertainlySuppressed("t", "s", 2, 1_600));
    }
}

using AnomalyEngine.Core.Events;

namespace AnomalyEngine.UnitTests.Events;

public sealed class EventValidatorUnitTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

    private static SessionEvent Valid() => new("s1", Now.ToUnixTimeMilliseconds() - 1000, EventKind.View, "/home");

    [Fact]
    public void A_valid_batch_has_no_violations() =>
        Assert.Empty(EventValidator.ValidateBatch([Valid(), Valid() with { Kind = EventKind.Action, Name = "login", Success = false }], Now));

    [Fact]
    public void Violations_name_the_event_index_and_field()
    {
        var violations = EventValidator.ValidateBatch([Valid(), Valid() with { Name = "" }, Valid() with { Ts = 5 }], Now);

        Assert.Equal(["events[1].name", "events[2].ts"], violations.Select(v => v.Field));
    }

    [Fact]
    public void Timestamps_up_to_a_day_ahead_are_accepted_and_beyond_are_not()
    {
        var ahead = Now.AddHours(23).ToUnixTimeMilliseconds();
        var tooFar = Now.AddHours(25).ToUnixTimeMilliseconds();

        Assert.Empty(EventValidator.ValidateBatch([Valid() with { Ts = ahead }], Now));
        Assert.Single(EventValidator.ValidateBatch([Valid() with { Ts = tooFar }], Now));
    }

    [Fact]
    public void Names_are_measured_in_utf8_bytes()
    {
        var name = new string('é', 129); // 258 bytes, 129 chars

        var violation = Assert.Single(EventValidator.ValidateBatch([Valid() with { Name = name }], Now));

        Assert.Equal("events[0].name", violation.Field);
    }
}

using System.ComponentModel.DataAnnotations;
using AnomalyEngine.Core.Settings;
using AnomalyEngine.State.Sessions;

namespace AnomalyEngine.UnitTests.Settings;

public sealed class TimeSpanRangeAttributeUnitTests
{
    [Theory]
    [InlineData("00:00:00.100", true)]
    [InlineData("30.00:00:00", true)]
    [InlineData("00:05:00", true)]
    [InlineData("00:00:00.099", false)]
    [InlineData("30.00:00:00.001", false)]
    public void Bounds_are_inclusive(string value, bool valid)
    {
        var range = new TimeSpanRangeAttribute("00:00:00.100", "30.00:00:00");
        Assert.Equal(valid, range.IsValid(TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void An_out_of_range_setting_is_refused_naming_the_field_and_the_bounds()
    {
        var options = new SessionStoreOptions { InactivityTimeout = TimeSpan.FromMilliseconds(5) };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        var error = Assert.Single(errors);
        Assert.Equal("The field InactivityTimeout must be between 00:00:00.100 and 30.00:00:00.", error.ErrorMessage);
    }

    [Fact]
    public async Task Validating_from_many_threads_at_once_never_throws()
    {
        // RangeAttribute(typeof(TimeSpan), …) threw InvalidCastException here now and then (dotnet/runtime#1143).
        var range = new TimeSpanRangeAttribute("00:00:01", "01:00:00");
        using var barrier = new Barrier(8);
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            barrier.SignalAndWait();
            return range.IsValid(TimeSpan.FromMinutes(1));
        }, TaskCreationOptions.LongRunning)).ToArray();

        Assert.All(await Task.WhenAll(tasks), Assert.True);
    }
}

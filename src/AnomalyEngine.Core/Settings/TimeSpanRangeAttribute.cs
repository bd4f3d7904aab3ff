using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace AnomalyEngine.Core.Settings;

/// <summary>
/// An inclusive range for a <see cref="TimeSpan"/> setting, bounds parsed once when constructed.
/// Not <c>[Range(typeof(TimeSpan), …)]</c>: RangeAttribute converts its bounds lazily on first use
/// and is not thread-safe (dotnet/runtime#1143), so hosts validating options at the same time in one
/// process (the integration tests start many) intermittently failed with InvalidCastException.
/// </summary>
/// <param name="minimum">Smallest valid value, invariant <c>[d.]hh:mm:ss[.fff]</c>.</param>
/// <param name="maximum">Largest valid value, same format.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute("The field {0} must be between {1} and {2}.")
{
    /// <summary>Smallest valid value.</summary>
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    /// <summary>Largest valid value.</summary>
    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override bool IsValid(object? value) => value is null || (value is TimeSpan t && t >= Minimum && t <= Maximum);

    /// <inheritdoc />
    public override string FormatErrorMessage(string name) =>
        string.Format(CultureInfo.CurrentCulture, ErrorMessageString, name, minimum, maximum);
}

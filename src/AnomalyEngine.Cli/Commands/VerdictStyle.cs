using AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Cli.Commands;

/// <summary>How a severity looks on a terminal, shared by every command that prints verdicts or alerts.</summary>
internal static class VerdictStyle
{
    /// <summary>Spectre.Console colour of a severity.</summary>
    public static string Colour(Severity s) => s switch
    {
        Severity.Critical => "bold white on red",
        Severity.High => "red",
        Severity.Medium => "darkorange",
        Severity.Low => "yellow",
        _ => "green",
    };

    /// <summary>Lower-case severity name without the enum prefix.</summary>
    public static string Name(Severity s) => s switch
    {
        Severity.Critical => "critical",
        Severity.High => "high",
        Severity.Medium => "medium",
        Severity.Low => "low",
        Severity.None => "none",
        _ => "unknown",
    };
}

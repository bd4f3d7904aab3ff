using AnomalyEngine.Core.Events;
using AnomalyEngine.Scoring;
using Spectre.Console;

namespace AnomalyEngine.Cli.Reports;

/// <summary>Exit codes shared by train, score and evaluate.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int BadInput = 1;
    public const int BadModel = 2;
}

/// <summary>Reads input files for the commands and turns their errors into one clear line.</summary>
internal static class CliInput
{
    /// <summary>Reads all events; prints the file:line error and returns null on malformed input.</summary>
    public static List<SessionEvent>? ReadEvents(string path, bool skipInvalid)
    {
        var stats = new EventReadStats();
        try
        {
            var list = new List<SessionEvent>();
            foreach (var e in EventFileReader.Read(path, new EventReadOptions { SkipInvalid = skipInvalid }, stats))
            {
                list.Add(e);
            }
            if (stats.Skipped > 0)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]skipped {stats.Skipped} invalid line(s) of {stats.Lines}[/]");
                foreach (var error in stats.FirstErrors)
                {
                    AnsiConsole.MarkupLineInterpolated($"[grey]  {error}[/]");
                }
            }
            return list;
        }
        catch (EventFileException ex)
        {
            Error(ex.Message + (skipInvalid ? "" : " (use --skip-invalid to skip such lines)"));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Error($"{path}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Reads labels; prints the file:line error and returns null on malformed input.</summary>
    public static Dictionary<string, SessionLabel>? ReadLabels(string path)
    {
        try
        {
            return LabelFileReader.Read(path);
        }
        catch (EventFileException ex)
        {
            Error(ex.Message);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Error($"{path}: {ex.Message}");
            return null;
        }
    }

    /// <summary>Loads a bundle; prints the error and returns null when it cannot be loaded.</summary>
    public static Scoring.Bundles.LoadedBundle? LoadModel(string dir)
    {
        try
        {
            return Scoring.Bundles.ModelBundle.Load(dir);
        }
        catch (ModelLoadException ex)
        {
            Error(ex.Message);
            return null;
        }
    }

    /// <summary>Prints an error line to stderr.</summary>
    public static void Error(string message) => Console.Error.WriteLine("error: " + message);
}

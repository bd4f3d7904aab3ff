namespace AnomalyEngine.Core.Events;

/// <summary>
/// A malformed line in an input file. The message starts with <c>file:line:</c> so a user can
/// jump straight to it, e.g. <c>events.jsonl:17: missing field session_id</c>.
/// </summary>
public sealed class EventFileException : FormatException
{
    /// <summary>Creates the exception; <paramref name="detail"/> is what is wrong with the line.</summary>
    public EventFileException(string file, long line, string detail, Exception? inner = null)
        : base($"{file}:{line}: {detail}", inner)
    {
        File = file;
        Line = line;
        Detail = detail;
    }

    /// <summary>The file as the caller named it.</summary>
    public string File { get; }

    /// <summary>1-based line number.</summary>
    public long Line { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Detail { get; }
}

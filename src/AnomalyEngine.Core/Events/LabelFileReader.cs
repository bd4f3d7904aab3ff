using System.Text;

namespace AnomalyEngine.Core.Events;

/// <summary>A session's label: anomalous or not, and optionally the attack class.</summary>
public readonly record struct SessionLabel(bool Anomalous, string? Class);

/// <summary>
/// Reads <c>labels.csv</c>: header <c>session_id,label</c> or <c>session_id,label,class</c>,
/// label 1 = anomalous, 0 = normal. Errors name the file and the 1-based line.
/// </summary>
public static class LabelFileReader
{
    /// <summary>Reads a whole label file.</summary>
    public static Dictionary<string, SessionLabel> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, path);
    }

    /// <summary>Reads labels from a text reader; <paramref name="fileName"/> is used in error messages.</summary>
    public static Dictionary<string, SessionLabel> Read(TextReader reader, string fileName)
    {
        var labels = new Dictionary<string, SessionLabel>(StringComparer.Ordinal);
        var header = reader.ReadLine();
        if (header is null)
        {
            throw new EventFileException(fileName, 1, "empty file; expected header session_id,label[,class]");
        }
        var columns = header.Trim().Split(',');
        if (columns.Length is < 2 or > 3 || columns[0].Trim() != "session_id" || columns[1].Trim() != "label"
            || (columns.Length == 3 && columns[2].Trim() != "class"))
        {
            throw new EventFileException(fileName, 1, $"expected header session_id,label[,class], got \"{header}\"");
        }
        var hasClass = columns.Length == 3;
        long lineNo = 1;
        string? line;
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var parts = line.Split(',');
            if (parts.Length < 2 || parts.Length > (hasClass ? 3 : 2))
            {
                throw new EventFileException(fileName, lineNo, $"expected {(hasClass ? "3" : "2")} columns, got {parts.Length}");
            }
            var id = parts[0].Trim();
            if (id.Length == 0)
            {
                throw new EventFileException(fileName, lineNo, "missing session_id");
            }
            var anomalous = parts[1].Trim() switch
            {
                "0" => false,
                "1" => true,
                var other => throw new EventFileException(fileName, lineNo, $"label must be 0 or 1, got \"{other}\""),
            };
            string? cls = null;
            if (hasClass && parts.Length == 3 && parts[2].Trim().Length > 0)
            {
                var c = parts[2].Trim();
                if (!classes.TryGetValue(c, out cls))
                {
                    cls = c;
                    classes[c] = c;
                }
            }
            if (!labels.TryAdd(id, new SessionLabel(anomalous, cls)))
            {
                throw new EventFileException(fileName, lineNo, $"duplicate session_id \"{id}\"");
            }
        }
        return labels;
    }
}

using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AnomalyEngine.Core.Events;

/// <summary>
/// Writes <c>events.jsonl</c> (one event per line, the field names of PRODUCT.md, absent optional
/// fields omitted) and <c>labels.csv</c> (<c>session_id,label,class</c>). Output depends only on the
/// events, so the same events give byte-identical files.
/// </summary>
public sealed class EventFileWriter : IDisposable
{
    // Relaxed escaping keeps names and attribute values readable (e.g. "+" or non-ASCII stay as is);
    // the output is still valid JSON, and these files are never embedded in HTML.
    private static readonly JsonWriterOptions s_jsonOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    private const int FlushThreshold = 64 * 1024;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
    private readonly Utf8JsonWriter _json;
    private bool _disposed;

    /// <summary>Writes events as JSON lines to <paramref name="stream"/>.</summary>
    public EventFileWriter(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _json = new Utf8JsonWriter(_buffer, s_jsonOptions);
    }

    /// <summary>Events written so far.</summary>
    public long Count { get; private set; }

    /// <summary>Appends one event as one line.</summary>
    public void Write(SessionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _json.WriteStartObject();
        _json.WriteString("session_id"u8, e.SessionId);
        _json.WriteNumber("ts"u8, e.Ts);
        _json.WriteString("kind"u8, e.Kind switch
        {
            EventKind.View => "view"u8,
            EventKind.Action => "action"u8,
            _ => throw new ArgumentException($"event kind {e.Kind} cannot be written", nameof(e)),
        });
        _json.WriteString("name"u8, e.Name);
        if (e.Success is { } success)
        {
            _json.WriteBoolean("success"u8, success);
        }
        if (e.DurationMs is { } duration)
        {
            _json.WriteNumber("duration_ms"u8, duration);
        }
        if (!string.IsNullOrEmpty(e.UserId))
        {
            _json.WriteString("user_id"u8, e.UserId);
        }
        if (!string.IsNullOrEmpty(e.EventId))
        {
            _json.WriteString("event_id"u8, e.EventId);
        }
        if (e.Attributes is { Count: > 0 } attributes)
        {
            _json.WriteStartObject("attributes"u8);
            foreach (var (key, value) in attributes)
            {
                _json.WriteString(key, value);
            }
            _json.WriteEndObject();
        }
        _json.WriteEndObject();
        _json.Flush();
        // Each line is its own JSON document: reset the writer's validation state for the next one.
        _json.Reset(_buffer);
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        Count++;
        if (_buffer.WrittenCount >= FlushThreshold)
        {
            Drain();
        }
    }

    /// <summary>Appends every event of <paramref name="events"/>.</summary>
    public void WriteAll(IEnumerable<SessionEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            Write(e);
        }
    }

    /// <summary>Pushes buffered lines to the stream and flushes it.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Drain();
        _stream.Flush();
    }

    private void Drain()
    {
        if (_buffer.WrittenCount > 0)
        {
            _stream.Write(_buffer.WrittenSpan);
            _buffer.ResetWrittenCount();
        }
    }

    /// <summary>Flushes and, unless asked to leave it open, closes the stream.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        Drain();
        _stream.Flush();
        _disposed = true;
        _json.Dispose();
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    /// <summary>Writes <paramref name="events"/> to a new file at <paramref name="path"/>; returns how many were written.</summary>
    public static long WriteFile(string path, IEnumerable<SessionEvent> events)
    {
        using var writer = new EventFileWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16));
        writer.WriteAll(events);
        return writer.Count;
    }

    /// <summary>
    /// Writes labels.csv: the header <c>session_id,label,class</c>, then one row per session
    /// (label 1 = anomalous, 0 = normal; class empty when unknown). Fields are quoted only when needed.
    /// </summary>
    public static void WriteLabels(Stream stream, IEnumerable<(string SessionId, int Label, string? Class)> labels)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(labels);
        using var text = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true)
        {
            NewLine = "\n",
        };
        text.WriteLine("session_id,label,class");
        foreach (var (sessionId, label, cls) in labels)
        {
            if (label is not (0 or 1))
            {
                throw new ArgumentException($"label of {sessionId} must be 0 or 1, got {label}", nameof(labels));
            }
            text.Write(CsvField(sessionId));
            text.Write(label == 1 ? ",1," : ",0,");
            text.WriteLine(CsvField(cls ?? ""));
        }
    }

    /// <summary>Writes labels.csv to a new file at <paramref name="path"/>.</summary>
    public static void WriteLabelsFile(string path, IEnumerable<(string SessionId, int Label, string? Class)> labels)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        WriteLabels(stream, labels);
    }

    private static string CsvField(string value)
        => value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

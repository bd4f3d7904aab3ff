using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AnomalyEngine.Core.Events;

/// <summary>Options of <see cref="EventFileReader"/>.</summary>
public sealed record EventReadOptions
{
    /// <summary>Skip and count malformed or invalid lines instead of throwing.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>Clock used for the "not too far in the future" rule; null means now.</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>The defaults: throw on the first bad line.</summary>
    public static EventReadOptions Default { get; } = new();
}

/// <summary>What a read saw; filled while the enumeration runs.</summary>
public sealed class EventReadStats
{
    /// <summary>Lines read, blank ones included.</summary>
    public long Lines { get; internal set; }

    /// <summary>Events returned.</summary>
    public long Events { get; internal set; }

    /// <summary>Lines skipped because they were malformed or invalid (only with SkipInvalid).</summary>
    public long Skipped { get; internal set; }

    /// <summary>The first few skip messages (file:line: detail), for a summary.</summary>
    public List<string> FirstErrors { get; } = [];
}

/// <summary>
/// Streams <c>events.jsonl</c> (one JSON object a line, see PRODUCT.md) as <see cref="SessionEvent"/>s.
/// Unknown fields are ignored; every event passes <see cref="EventValidator"/>, so files and the
/// gRPC API reject the same things. Errors name the file and the 1-based line.
/// </summary>
public static class EventFileReader
{
    private const int MaxRememberedErrors = 10;

    /// <summary>Reads a file lazily. The file stays open while the enumeration runs.</summary>
    public static IEnumerable<SessionEvent> Read(string path, EventReadOptions? options = null, EventReadStats? stats = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
        foreach (var e in Read(reader, path, options, stats))
        {
            yield return e;
        }
    }

    /// <summary>Reads from a text reader; <paramref name="fileName"/> is used in error messages.</summary>
    public static IEnumerable<SessionEvent> Read(TextReader reader, string fileName, EventReadOptions? options = null, EventReadStats? stats = null)
    {
        options ??= EventReadOptions.Default;
        stats ??= new EventReadStats();
        var now = options.Now ?? DateTimeOffset.UtcNow;
        var violations = new List<FieldViolation>();
        // Session ids and names repeat on almost every line: interning them keeps a million events small.
        var interner = new StringInterner();
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            long lineNo = 0;
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNo++;
                stats.Lines = lineNo;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                var needed = Encoding.UTF8.GetMaxByteCount(line.Length);
                if (needed > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(needed);
                }
                var len = Encoding.UTF8.GetBytes(line, buffer);
                SessionEvent? e;
                string? error;
                try
                {
                    error = TryParse(buffer.AsSpan(0, len), interner, out e);
                }
                catch (JsonException ex)
                {
                    error = "invalid JSON: " + ex.Message;
                    e = null;
                }
                if (error is null && e is not null)
                {
                    violations.Clear();
                    EventValidator.Validate(e, now, violations);
                    if (violations.Count > 0)
                    {
                        error = $"{violations[0].Field} {violations[0].Description}";
                    }
                }
                if (error is not null)
                {
                    var ex = new EventFileException(fileName, lineNo, error);
                    if (!options.SkipInvalid)
                    {
                        throw ex;
                    }
                    stats.Skipped++;
                    if (stats.FirstErrors.Count < MaxRememberedErrors)
                    {
                        stats.FirstErrors.Add(ex.Message);
                    }
                    continue;
                }
                stats.Events++;
                yield return e!;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses one line; returns an error text or null.</summary>
    private static string? TryParse(ReadOnlySpan<byte> json, StringInterner interner, out SessionEvent? e)
    {
        e = null;
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject)
        {
            return "expected a JSON object";
        }
        string? sessionId = null, name = null, userId = null, eventId = null, kindText = null;
        long? ts = null, duration = null;
        bool? success = null;
        Dictionary<string, string>? attributes = null;
        while (r.Read())
        {
            if (r.TokenType == JsonTokenType.EndObject)
            {
                break;
            }
            if (r.TokenType != JsonTokenType.PropertyName)
            {
                return "expected a property name";
            }
            var prop = r.GetString()!;
            r.Read();
            switch (prop)
            {
                case "session_id":
                    if (r.TokenType != JsonTokenType.String) { return "field session_id must be a string"; }
                    sessionId = interner.Intern(r.GetString()!);
                    break;
                case "ts":
                    if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var t)) { return "field ts must be an integer (unix ms)"; }
                    ts = t;
                    break;
                case "kind":
                    if (r.TokenType != JsonTokenType.String) { return "field kind must be \"view\" or \"action\""; }
                    kindText = r.GetString();
                    break;
                case "name":
                    if (r.TokenType != JsonTokenType.String) { return "field name must be a string"; }
                    name = interner.Intern(r.GetString()!);
                    break;
                case "success":
                    if (r.TokenType == JsonTokenType.Null) { break; }
                    if (r.TokenType is not (JsonTokenType.True or JsonTokenType.False)) { return "field success must be true or false"; }
                    success = r.GetBoolean();
                    break;
                case "duration_ms":
                    if (r.TokenType == JsonTokenType.Null) { break; }
                    if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var d)) { return "field duration_ms must be an integer"; }
                    duration = d;
                    break;
                case "user_id":
                    if (r.TokenType == JsonTokenType.Null) { break; }
                    if (r.TokenType != JsonTokenType.String) { return "field user_id must be a string"; }
                    userId = interner.Intern(r.GetString()!);
                    break;
                case "event_id":
                    if (r.TokenType == JsonTokenType.Null) { break; }
                    if (r.TokenType != JsonTokenType.String) { return "field event_id must be a string"; }
                    eventId = r.GetString();
                    break;
                case "attributes":
                    if (r.TokenType == JsonTokenType.Null) { break; }
                    if (r.TokenType != JsonTokenType.StartObject) { return "field attributes must be an object of strings"; }
                    attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    while (r.Read() && r.TokenType != JsonTokenType.EndObject)
                    {
                        var key = r.GetString()!;
                        r.Read();
                        if (r.TokenType != JsonTokenType.String) { return $"attribute \"{key}\" must be a string"; }
                        attributes[key] = interner.Intern(r.GetString()!);
                    }
                    break;
                default:
                    // Unknown fields are ignored so producers can add context without breaking readers.
                    r.Skip();
                    break;
            }
        }
        if (sessionId is null) { return "missing field session_id"; }
        if (ts is null) { return "missing field ts"; }
        if (kindText is null) { return "missing field kind"; }
        if (name is null) { return "missing field name"; }
        var kind = kindText switch
        {
            "view" => EventKind.View,
            "action" => EventKind.Action,
            _ => EventKind.Unknown,
        };
        if (kind == EventKind.Unknown)
        {
            return $"field kind must be \"view\" or \"action\", got \"{kindText}\"";
        }
        e = new SessionEvent(sessionId, ts.Value, kind, name, success, duration, userId, eventId, attributes);
        return null;
    }

    /// <summary>A bounded string pool: repeated ids and names share one instance.</summary>
    private sealed class StringInterner
    {
        private const int MaxEntries = 1 << 20;
        private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);

        public string Intern(string s)
        {
            if (_pool.TryGetValue(s, out var existing))
            {
                return existing;
            }
            if (_pool.Count < MaxEntries)
            {
                _pool[s] = s;
            }
            return s;
        }
    }
}

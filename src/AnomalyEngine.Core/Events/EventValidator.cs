using System.Text;

namespace AnomalyEngine.Core.Events;

/// <summary>
/// Validates events against <see cref="EventLimits"/>. Used by the gRPC services (field paths
/// <c>events[i].field</c>) and by the file readers, so both reject the same things.
/// </summary>
public static class EventValidator
{
    /// <summary>Validates a whole batch; an empty list means it may be applied.</summary>
    public static List<FieldViolation> ValidateBatch(IReadOnlyList<SessionEvent> events, DateTimeOffset now)
    {
        var violations = new List<FieldViolation>();
        if (events.Count == 0)
        {
            violations.Add(new("events", "at least one event is required"));
        }
        else if (events.Count > EventLimits.MaxBatchEvents)
        {
            violations.Add(new("events", $"at most {EventLimits.MaxBatchEvents} events per batch, got {events.Count}"));
        }
        else
        {
            for (var i = 0; i < events.Count; i++)
            {
                Validate(events[i], i, now, violations);
            }
        }
        return violations;
    }

    /// <summary>Validates one event on its own (a file line): field names without an index.</summary>
    public static void Validate(SessionEvent e, DateTimeOffset now, List<FieldViolation> violations) =>
        Validate(e, -1, now, violations);

    /// <summary>
    /// Validates the event at <paramref name="index"/> of a batch, appending violations named
    /// <c>events[index].field</c>. Field paths are built only for a broken rule: the valid hot path allocates nothing.
    /// </summary>
    public static void Validate(SessionEvent e, int index, DateTimeOffset now, List<FieldViolation> violations)
    {
        RequireId(e.SessionId, index, "session_id", required: true, violations);
        RequireId(e.UserId, index, "user_id", required: false, violations);
        RequireId(e.EventId, index, "event_id", required: false, violations);

        if (string.IsNullOrEmpty(e.Name))
        {
            violations.Add(new(Path(index, "name"), "is required"));
        }
        else if (Encoding.UTF8.GetByteCount(e.Name) > EventLimits.MaxNameBytes)
        {
            violations.Add(new(Path(index, "name"), $"must be at most {EventLimits.MaxNameBytes} UTF-8 bytes"));
        }
        else if (HasControlChar(e.Name))
        {
            violations.Add(new(Path(index, "name"), "must not contain control characters"));
        }

        if (e.Kind is not (EventKind.View or EventKind.Action))
        {
            violations.Add(new(Path(index, "kind"), "must be \"view\" or \"action\""));
        }

        var maxTs = now.Add(EventLimits.MaxFutureSkew).ToUnixTimeMilliseconds();
        if (e.Ts < EventLimits.MinTs)
        {
            violations.Add(new(Path(index, "ts"), "must be unix milliseconds after 2000-01-01"));
        }
        else if (e.Ts > maxTs)
        {
            violations.Add(new(Path(index, "ts"), "lies more than 24 h in the future"));
        }

        if (e.DurationMs is < 0)
        {
            violations.Add(new(Path(index, "duration_ms"), "must not be negative"));
        }

        if (e.Attributes is { } attributes)
        {
            if (attributes.Count > EventLimits.MaxAttributes)
            {
                violations.Add(new(Path(index, "attributes"), $"at most {EventLimits.MaxAttributes} entries"));
            }
            foreach (var (key, value) in attributes)
            {
                if (key.Length == 0 || Encoding.UTF8.GetByteCount(key) > EventLimits.MaxAttributeKeyBytes)
                {
                    violations.Add(new(Path(index, "attributes"), $"keys must be 1..{EventLimits.MaxAttributeKeyBytes} UTF-8 bytes"));
                    break;
                }
                if (Encoding.UTF8.GetByteCount(value) > EventLimits.MaxAttributeValueBytes)
                {
                    violations.Add(new(Path(index, "attributes"), $"value of \"{key}\" exceeds {EventLimits.MaxAttributeValueBytes} UTF-8 bytes"));
                    break;
                }
            }
        }
    }

    /// <summary>Validates a session id given on its own (GetSession, EndSession, LabelSession).</summary>
    public static void ValidateSessionId(string? sessionId, string field, List<FieldViolation> violations)
        => RequireId(sessionId, -1, field, required: true, violations);

    private static string Path(int index, string field) => index < 0 ? field : $"events[{index}].{field}";

    private static void RequireId(string? value, int index, string name, bool required, List<FieldViolation> violations)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                violations.Add(new(Path(index, name), "is required"));
            }
            return;
        }
        if (Encoding.UTF8.GetByteCount(value) > EventLimits.MaxIdBytes)
        {
            violations.Add(new(Path(index, name), $"must be at most {EventLimits.MaxIdBytes} UTF-8 bytes"));
        }
        else if (HasControlChar(value))
        {
            violations.Add(new(Path(index, name), "must not contain control characters"));
        }
    }

    private static bool HasControlChar(string s)
    {
        foreach (var c in s)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }
        return false;
    }
}

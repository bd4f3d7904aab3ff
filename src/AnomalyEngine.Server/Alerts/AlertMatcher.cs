using System.Text;
using AnomalyEngine.Contracts.V1;
using CoreViolation = AnomalyEngine.Core.Events.FieldViolation;

namespace AnomalyEngine.Server.Alerts;

/// <summary>A validated subscription filter. Empty parts match everything.</summary>
public sealed class AlertMatcher
{
    private const int MaxListEntries = 32;
    private const int MaxCodeBytes = 128;

    private readonly Severity _minSeverity;
    private readonly HashSet<string> _codes;
    private readonly HashSet<string> _detectors;
    private readonly string _userId;
    private readonly string _sessionId;

    private AlertMatcher(AlertFilter f)
    {
        _minSeverity = f.MinSeverity;
        _codes = new HashSet<string>(f.ReasonCodes, StringComparer.Ordinal);
        _detectors = new HashSet<string>(f.Detectors, StringComparer.Ordinal);
        _userId = f.UserId;
        _sessionId = f.SessionId;
    }

    /// <summary>Validates a filter (null = match all); violations name fields as <c>filter.…</c>.</summary>
    public static AlertMatcher Create(AlertFilter? filter, List<CoreViolation> violations)
    {
        filter ??= new AlertFilter();
        if (!Enum.IsDefined(filter.MinSeverity))
        {
            violations.Add(new("filter.min_severity", "is not a known severity"));
        }
        ValidateList(filter.ReasonCodes, "filter.reason_codes", violations);
        ValidateList(filter.Detectors, "filter.detectors", violations);
        ValidateId(filter.UserId, "filter.user_id", violations);
        ValidateId(filter.SessionId, "filter.session_id", violations);
        return new AlertMatcher(filter);
    }

    /// <summary>True when the alert passes every part of the filter.</summary>
    public bool Matches(Alert alert)
    {
        var v = alert.Verdict;
        if (_minSeverity > Severity.Unspecified && (v is null || v.Severity < _minSeverity))
        {
            return false;
        }
        if (_sessionId.Length > 0 && !string.Equals(alert.SessionId, _sessionId, StringComparison.Ordinal))
        {
            return false;
        }
        if (_userId.Length > 0 && !string.Equals(alert.UserId, _userId, StringComparison.Ordinal))
        {
            return false;
        }
        if (_codes.Count > 0 && !AnyReason(v, r => _codes.Contains(r.Code)))
        {
            return false;
        }
        return _detectors.Count == 0 || AnyReason(v, r => _detectors.Contains(r.Detector));
    }

    private static bool AnyReason(Verdict? v, Func<Reason, bool> predicate)
    {
        if (v is null)
        {
            return false;
        }
        foreach (var r in v.Reasons)
        {
            if (predicate(r))
            {
                return true;
            }
        }
        return false;
    }

    private static void ValidateList(IReadOnlyList<string> values, string field, List<CoreViolation> violations)
    {
        if (values.Count > MaxListEntries)
        {
            violations.Add(new(field, $"must have at most {MaxListEntries} entries"));
            return;
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Length == 0 || Encoding.UTF8.GetByteCount(values[i]) > MaxCodeBytes)
            {
                violations.Add(new($"{field}[{i}]", $"must be 1..{MaxCodeBytes} UTF-8 bytes"));
            }
        }
    }

    private static void ValidateId(string value, string field, List<CoreViolation> violations)
    {
        if (value.Length > 0)
        {
            Core.Events.EventValidator.ValidateSessionId(value, field, violations);
        }
    }
}

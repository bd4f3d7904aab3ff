namespace AnomalyEngine.Core.Events;

/// <summary>Documented bounds on input; anything beyond is rejected with a field violation.</summary>
public static class EventLimits
{
    /// <summary>Most events in one Track batch.</summary>
    public const int MaxBatchEvents = 1000;
    /// <summary>Longest session_id, user_id and event_id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 128;
    /// <summary>Longest event name (page path or action), in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 256;
    /// <summary>Most attributes on one event.</summary>
    public const int MaxAttributes = 16;
    /// <summary>Longest attribute key, in UTF-8 bytes.</summary>
    public const int MaxAttributeKeyBytes = 64;
    /// <summary>Longest attribute value, in UTF-8 bytes.</summary>
    public const int MaxAttributeValueBytes = 256;
    /// <summary>Earliest accepted timestamp: 2000-01-01T00:00:00Z in unix ms.</summary>
    public const long MinTs = 946_684_800_000;
    /// <summary>How far in the future of the server clock a timestamp may lie.</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromHours(24);
}

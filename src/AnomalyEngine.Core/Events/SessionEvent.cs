namespace AnomalyEngine.Core.Events;

/// <summary>Whether an event is a page view or a user action.</summary>
public enum EventKind : byte
{
    /// <summary>Not set; invalid.</summary>
    Unknown = 0,
    /// <summary>A page or screen view.</summary>
    View = 1,
    /// <summary>A user action such as login or payment.</summary>
    Action = 2,
}

/// <summary>
/// One session event, the shape of a line of <c>events.jsonl</c> (see PRODUCT.md).
/// The same type feeds the live path (mapped from gRPC) and offline replay (read from files).
/// </summary>
public sealed record SessionEvent(
    string SessionId,
    long Ts,
    EventKind Kind,
    string Name,
    bool? Success = null,
    long? DurationMs = null,
    string? UserId = null,
    string? EventId = null,
    IReadOnlyDictionary<string, string>? Attributes = null)
{
    /// <summary>True for an action that reported failure.</summary>
    public bool IsFailure => Kind == EventKind.Action && Success == false;
}

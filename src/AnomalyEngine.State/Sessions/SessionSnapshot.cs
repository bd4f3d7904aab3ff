using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;

namespace AnomalyEngine.State.Sessions;

/// <summary>A session's state as read from the store, with the time it will expire.</summary>
/// <param name="State">The state.</param>
/// <param name="ExpiresAt">Unix ms of expiry if no event arrives.</param>
public sealed record SessionSnapshot(SessionState State, long ExpiresAt);

/// <summary>The outcome of applying one session's events.</summary>
/// <param name="Snapshot">State after the batch.</param>
/// <param name="Applied">Events counted.</param>
/// <param name="Duplicates">Events skipped because their event_id was already counted.</param>
public sealed record SessionApplyResult(SessionSnapshot Snapshot, int Applied, int Duplicates);

/// <summary>A user history check the caller would make after an apply: for this user, at this event.</summary>
public readonly record struct UserCheckRequest(string UserId, SessionEvent At);

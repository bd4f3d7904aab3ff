using AnomalyEngine.Core.Events;
using Proto = AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Cli.Grpc;

/// <summary>Maps domain events to the wire <see cref="Proto.Event"/>; optional fields are set only when present.</summary>
internal static class EventMapper
{
    /// <summary>The wire form of <paramref name="e"/>.</summary>
    public static Proto.Event ToContract(SessionEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = new Proto.Event
        {
            SessionId = e.SessionId,
            Ts = e.Ts,
            Kind = e.Kind switch
            {
                EventKind.View => Proto.EventKind.View,
                EventKind.Action => Proto.EventKind.Action,
                _ => Proto.EventKind.Unspecified,
            },
            Name = e.Name,
        };
        // proto3 `optional`: leaving them unset is how "not applicable / unknown" travels.
        if (e.Success is { } success)
        {
            message.Success = success;
        }
        if (e.DurationMs is { } duration)
        {
            message.DurationMs = duration;
        }
        if (!string.IsNullOrEmpty(e.UserId))
        {
            message.UserId = e.UserId;
        }
        if (!string.IsNullOrEmpty(e.EventId))
        {
            message.EventId = e.EventId;
        }
        if (e.Attributes is { Count: > 0 } attributes)
        {
            foreach (var (key, value) in attributes)
            {
                message.Attributes[key] = value;
            }
        }
        return message;
    }
}

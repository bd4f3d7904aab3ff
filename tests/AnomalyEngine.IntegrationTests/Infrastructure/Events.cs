using AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.IntegrationTests.Infrastructure;

/// <summary>Builders of wire events for tests.</summary>
public static class Events
{
    /// <summary>A moment well inside the accepted range.</summary>
    public static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    /// <summary>A page view.</summary>
    public static Event View(string session, string name, long ts, string? eventId = null) => new()
    {
        SessionId = session, Ts = ts, Kind = EventKind.View, Name = name, EventId = eventId ?? "",
    };

    /// <summary>An action with an outcome.</summary>
    public static Event Action(string session, string name, long ts, bool success, string? eventId = null) => new()
    {
        SessionId = session, Ts = ts, Kind = EventKind.Action, Name = name, Success = success, EventId = eventId ?? "",
    };

    /// <summary>A Track request of the given events.</summary>
    public static TrackRequest Batch(params Event[] events)
    {
        var r = new TrackRequest();
        r.Events.Add(events);
        return r;
    }
}

using AnomalyEngine.Core.Settings;

namespace AnomalyEngine.State.Sessions;

/// <summary>Live session settings (section <c>Sessions</c>).</summary>
public sealed class SessionStoreOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Sessions";

    /// <summary>A session's state expires this long after its latest event.</summary>
    [TimeSpanRange("00:00:00.100", "30.00:00:00")]
    public TimeSpan InactivityTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// A user's history (the networks, devices and countries of their sessions, as digests) is
    /// forgotten this long after their latest signed-in session.
    /// </summary>
    [TimeSpanRange("00:01:00", "3650.00:00:00")]
    public TimeSpan UserHistoryRetention { get; set; } = TimeSpan.FromDays(90);
}

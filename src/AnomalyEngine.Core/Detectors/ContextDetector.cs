using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// Explains changes of where a session's events come from: its ip, device or country changed
/// mid-session. A stolen session cookie replayed elsewhere keeps the session id, not these. A phone
/// moving from Wi-Fi to its carrier changes the ip too, so an ip change is weighed by how often
/// training sessions on the same device changed theirs (<see cref="SessionBaselines.IpChangeRarity"/>).
/// </summary>
public static class ContextDetector
{
    private static readonly (string Component, string Code)[] Components =
    [
        ("ctx_ip_change_rarity", "IP_CHANGED"),
        ("ctx_device_changes", "DEVICE_CHANGED"),
        ("ctx_country_changes", "COUNTRY_CHANGED"),
    ];

    /// <summary>Appends a reason per attribute whose changes are surprising enough.</summary>
    public static void Explain(ExplainContext ctx, List<Reason> reasons)
    {
        for (var a = 0; a < Components.Length; a++)
        {
            var (component, code) = Components[a];
            var surprise = ctx.Surprise(component);
            if (surprise < ExplainContext.MinSurprise)
            {
                continue;
            }
            var attribute = (ContextAttribute)a;
            var key = SessionContext.Key(attribute);
            var changes = ctx.State.Context(attribute).Changes;
            var all = ctx.Baselines.Context[a];
            var evidence = new Dictionary<string, string>
            {
                ["attribute"] = key,
                ["changes"] = changes.ToString(),
                ["training_sessions"] = all.Sessions.ToString(),
                ["training_changed_sessions"] = all.ChangedSessions.ToString(),
            };
            var times = $"{key} changed mid-session ({changes} {(changes == 1 ? "time" : "times")})";
            var message = all.Sessions == 0
                ? $"{times}; no training session carried {key}"
                : $"{times}; {Percent(all.ChangedSessions, all.Sessions)} of training sessions changed it ({all.ChangedSessions:N0} of {all.Sessions:N0})";
            if (all.Sessions > 0 && attribute == ContextAttribute.Ip
                && ctx.Baselines.TryGetDevice(ctx.State.Context(ContextAttribute.Device).Digest, out var device))
            {
                message = $"{times} on {device.Device}, where {device.IpChangedSessions:N0} of {device.Sessions:N0} training sessions changed it ({Percent(all.ChangedSessions, all.Sessions)} over all devices)";
                evidence["device"] = device.Device;
                evidence["device_sessions"] = device.Sessions.ToString();
                evidence["device_changed_sessions"] = device.IpChangedSessions.ToString();
            }
            ctx.Add(reasons, code, DetectorNames.Context, message, surprise, evidence);
        }
    }

    private static string Percent(long part, long whole) => ExplainContext.Fmt(100.0 * part / whole, "0.##") + "%";
}

using AnomalyEngine.Core.Features;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;

namespace AnomalyEngine.Core.Detectors;

/// <summary>
/// Explains changes of where a session's events come from: its ip, device or country changed
/// mid-session. A stolen session cookie replayed elsewhere keeps the session id, not these. A phone
/// moving from Wi-Fi to its carrier changes the ip too, so an ip change is weighed by how often
/// training sessions on the same device changed theirs (<see cref="SessionBaselines.IpChangeRarity"/>).
/// It also explains values new to the session's user (<see cref="UserHistory"/>): an account taken
/// over signs in from the attacker's network and device, not from the user's own.
/// </summary>
public static class ContextDetector
{
    private static readonly (string Component, string Code)[] Components =
    [
        ("ctx_ip_change_rarity", "IP_CHANGED"),
        ("ctx_device_changes", "DEVICE_CHANGED"),
        ("ctx_country_changes", "COUNTRY_CHANGED"),
    ];

    private static readonly (string Code, string What)[] UserCodes =
    [
        ("NEW_NETWORK_FOR_USER", "network"),
        ("NEW_DEVICE_FOR_USER", "device"),
        ("NEW_COUNTRY_FOR_USER", "country"),
    ];

    private static readonly string[] BucketLabels = ["1", "2", "3–4", "5–8", "9–16", "17 or more"];

    /// <summary>Appends a reason per attribute whose changes, or whose novelty for the user, are surprising enough.</summary>
    public static void Explain(ExplainContext ctx, List<Reason> reasons)
    {
        ExplainChanges(ctx, reasons);
        if (ctx.State.UserCheck is { } check)
        {
            ExplainUserNovelty(ctx, check, reasons);
        }
    }

    private static void ExplainChanges(ExplainContext ctx, List<Reason> reasons)
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

    /// <summary>
    /// One reason per value new to the user, when the combination (<c>user_novelty</c>) is
    /// surprising enough; each takes the share of that surprise its own rarity adds to the sum.
    /// </summary>
    private static void ExplainUserNovelty(ExplainContext ctx, UserCheck check, List<Reason> reasons)
    {
        var surprise = ctx.Surprise("user_novelty");
        var sum = ctx.Features[FeatureSchema.UserNovelty];
        if (surprise < ExplainContext.MinSurprise || sum <= 0)
        {
            return;
        }
        var bucket = UserHistoryBaseline.BucketOf(check.PriorSessions);
        var user = ctx.State.UserId ?? "?";
        var earlier = $"{check.PriorSessions} earlier {(check.PriorSessions == 1 ? "session" : "sessions")}";
        var known = ctx.Baselines.TryGetDevice(ctx.State.Context(ContextAttribute.Device).Digest, out var device);
        for (var a = 0; a < UserCodes.Length; a++)
        {
            var rarity = ctx.Features[FeatureSchema.UserNewNetwork + a];
            if (rarity <= 0)
            {
                continue;
            }
            var (code, what) = UserCodes[a];
            var history = ctx.Baselines.UserHistory[a];
            var evidence = new Dictionary<string, string>
            {
                ["attribute"] = SessionContext.Key((ContextAttribute)a),
                ["user_id"] = user,
                ["earlier_sessions"] = check.PriorSessions.ToString(),
                ["training_checks"] = history.Checks[bucket].ToString(),
                ["training_novel"] = history.Novel[bucket].ToString(),
                ["rarity"] = ExplainContext.Fmt(rarity, "0.00"),
            };
            var subject = (ContextAttribute)a == ContextAttribute.Device && known ? $"device {device!.Device}" : what;
            var message = $"{subject} new for user {user}, not used in {earlier}; "
                + $"{history.Novel[bucket]:N0} of {history.Checks[bucket]:N0} training sessions of users with {BucketLabels[bucket]} earlier sessions brought a new {what}";
            if ((ContextAttribute)a == ContextAttribute.Ip && known && device!.UserChecks > 0)
            {
                message += $" ({device.Device}: {device.NewNetworks:N0} of {device.UserChecks:N0})";
                evidence["device"] = device.Device;
                evidence["device_checks"] = device.UserChecks.ToString();
                evidence["device_new_networks"] = device.NewNetworks.ToString();
            }
            ctx.Add(reasons, code, DetectorNames.Context, message, surprise * rarity / sum, evidence);
        }
    }

    private static string Percent(long part, long whole) => ExplainContext.Fmt(100.0 * part / whole, "0.##") + "%";
}

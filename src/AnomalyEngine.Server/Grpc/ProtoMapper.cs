using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.Core.Verdicts;
using V1 = AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Server.Grpc;

/// <summary>Maps between the public contract and the core types. No logic beyond the mapping.</summary>
public static class ProtoMapper
{
    /// <summary>A wire event as a core event; an unknown kind maps to <see cref="EventKind.Unknown"/> for the validator.</summary>
    public static SessionEvent ToCore(V1.Event e) => new(
        e.SessionId,
        e.Ts,
        e.Kind switch { V1.EventKind.View => EventKind.View, V1.EventKind.Action => EventKind.Action, _ => EventKind.Unknown },
        e.Name,
        e.HasSuccess ? e.Success : null,
        e.HasDurationMs ? e.DurationMs : null,
        e.UserId.Length == 0 ? null : e.UserId,
        e.EventId.Length == 0 ? null : e.EventId,
        e.Attributes.Count == 0 ? null : e.Attributes);

    /// <summary>Maps a batch of wire events.</summary>
    public static SessionEvent[] ToCore(IList<V1.Event> events)
    {
        var result = new SessionEvent[events.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ToCore(events[i]);
        }
        return result;
    }

    /// <summary>A core event as a wire event.</summary>
    public static V1.Event ToProto(SessionEvent e)
    {
        var p = new V1.Event
        {
            SessionId = e.SessionId,
            Ts = e.Ts,
            Kind = e.Kind == EventKind.View ? V1.EventKind.View : V1.EventKind.Action,
            Name = e.Name,
            UserId = e.UserId ?? "",
            EventId = e.EventId ?? "",
        };
        if (e.Success is { } s)
        {
            p.Success = s;
        }
        if (e.DurationMs is { } d)
        {
            p.DurationMs = d;
        }
        if (e.Attributes is { } attributes)
        {
            foreach (var (key, value) in attributes)
            {
                p.Attributes[key] = value;
            }
        }
        return p;
    }

    /// <summary>A verdict on the wire.</summary>
    public static V1.Verdict ToProto(Verdict v)
    {
        var p = new V1.Verdict
        {
            SessionId = v.SessionId,
            Score = v.Score,
            Severity = (V1.Severity)(int)v.Severity,
            Anomalous = v.Anomalous,
            ModelVersion = v.ModelVersion,
            EventsSeen = v.EventsSeen,
            UserId = v.UserId ?? "",
            Final = v.Final,
        };
        foreach (var r in v.Reasons)
        {
            var reason = new V1.Reason { Code = r.Code, Detector = r.Detector, Message = r.Message, Contribution = r.Contribution };
            foreach (var (key, value) in r.Evidence)
            {
                reason.Evidence[key] = value;
            }
            p.Reasons.Add(reason);
        }
        return p;
    }

    /// <summary>A session's live state on the wire.</summary>
    public static V1.SessionInfo ToProto(SessionState s, long expiresAt, Verdict verdict, IReadOnlyList<KeyValuePair<string, double>> features)
    {
        var info = new V1.SessionInfo
        {
            SessionId = s.SessionId,
            UserId = s.UserId ?? "",
            Events = s.Events,
            Views = s.Views,
            Actions = s.Actions,
            Failures = s.Failures,
            FirstTs = s.FirstTs,
            LastTs = s.LastTs,
            OutOfOrder = s.OutOfOrder,
            Verdict = ToProto(verdict),
            ExpiresAt = expiresAt,
        };
        foreach (var step in s.RecentPath)
        {
            var p = new V1.PathStep { Name = step.Name, Ts = step.Ts, Kind = step.Kind == EventKind.View ? V1.EventKind.View : V1.EventKind.Action };
            if (step.Success is { } ok)
            {
                p.Success = ok;
            }
            if (step.DurationMs is { } d)
            {
                p.DurationMs = d;
            }
            info.RecentPath.Add(p);
        }
        foreach (var (name, stats) in s.Names)
        {
            if (stats.Attempts > 0)
            {
                info.ActionsByName.Add(new V1.ActionStats { Name = name, Attempts = stats.Attempts, Failures = stats.Failures });
            }
        }
        foreach (var (name, value) in features)
        {
            info.Features[name] = value;
        }
        for (var a = 0; a < SessionContext.Count; a++)
        {
            var track = s.Context((ContextAttribute)a);
            if (track.Digest != 0)
            {
                info.ContextChanges[SessionContext.Key((ContextAttribute)a)] = track.Changes;
            }
        }
        if (s.UserCheck is { } check)
        {
            info.UserHistory = new V1.UserHistoryCheck { EarlierSessions = check.PriorSessions };
            for (var a = 0; a < SessionContext.Count; a++)
            {
                if (check.IsNovel((ContextAttribute)a))
                {
                    info.UserHistory.NewAttributes.Add(SessionContext.Key((ContextAttribute)a));
                }
            }
        }
        return info;
    }
}

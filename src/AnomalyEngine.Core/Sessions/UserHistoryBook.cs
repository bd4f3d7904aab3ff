namespace AnomalyEngine.Core.Sessions;

/// <summary>
/// The users' histories in memory, for offline replay: the C# mirror of
/// <c>src/AnomalyEngine.State/Scripts/user_history.lua</c>, which keeps the same per user in Redis
/// (UserHistoryParityTests keep the two equal). Per user: the sessions checked, and per attribute
/// up to <see cref="UserHistory.ValuesPerAttribute"/> value digests, each with the tag of the
/// session that first used it and when it was last seen.
/// </summary>
public sealed class UserHistoryBook
{
    private sealed class Profile
    {
        public long Sessions;
        public readonly Dictionary<ushort, (uint Tag, long LastTs)>[] Values =
            [new(), new(), new()];
    }

    private readonly Dictionary<string, Profile> _users = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks a session's values against the user's history and adds them to it.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="tag">The session's tag (<see cref="UserHistory.SessionTag"/>).</param>
    /// <param name="ts">Unix ms of the event checked.</param>
    /// <param name="digests">Per <see cref="ContextAttribute"/>, the digest to check; 0: absent.</param>
    public UserCheck Check(string userId, uint tag, long ts, ReadOnlySpan<ushort> digests)
    {
        if (!_users.TryGetValue(userId, out var p))
        {
            _users[userId] = p = new Profile();
        }
        // A value this session added: the session was checked before (a retry) and counted then.
        var repeat = false;
        for (var a = 0; a < SessionContext.Count; a++)
        {
            if (digests[a] != 0 && p.Values[a].TryGetValue(digests[a], out var v) && v.Tag == tag)
            {
                repeat = true;
            }
        }
        var prior = repeat ? Math.Max(0, p.Sessions - 1) : p.Sessions;
        if (!repeat)
        {
            p.Sessions++;
        }
        var novel = 0;
        for (var a = 0; a < SessionContext.Count; a++)
        {
            if (digests[a] == 0)
            {
                continue;
            }
            var values = p.Values[a];
            if (values.TryGetValue(digests[a], out var v))
            {
                if (v.Tag == tag)
                {
                    novel |= 1 << a;
                }
                values[digests[a]] = (v.Tag, Math.Max(v.LastTs, ts));
                continue;
            }
            novel |= 1 << a;
            if (values.Count >= UserHistory.ValuesPerAttribute)
            {
                values.Remove(LeastRecent(values));
            }
            values[digests[a]] = (tag, ts);
        }
        return new UserCheck((byte)novel, (int)Math.Min(prior, UserHistory.MaxPriorSessions));
    }

    /// <summary>The value seen longest ago; of equals, the smallest digest (as the script picks).</summary>
    private static ushort LeastRecent(Dictionary<ushort, (uint Tag, long LastTs)> values)
    {
        ushort oldest = 0;
        var oldestTs = long.MaxValue;
        foreach (var (digest, v) in values)
        {
            if (v.LastTs < oldestTs || (v.LastTs == oldestTs && digest < oldest))
            {
                oldest = digest;
                oldestTs = v.LastTs;
            }
        }
        return oldest;
    }
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.State.Keys;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// The users' histories in Redis (<see cref="RedisKeys.UserHistory"/>): one hash per tenant and
/// user with the networks, devices and countries of their earlier sessions, as digests. A check is
/// one script over it (<c>Scripts/user_history.lua</c>, mirrored offline by <see cref="UserHistoryBook"/>).
/// </summary>
public sealed class UserHistoryStore(IConnectionMultiplexer redis, IOptions<SessionStoreOptions> options)
{
    /// <summary>
    /// Checks a session at event <paramref name="e"/> against the user's history and adds it there.
    /// Repeating the call for the same session gives the same answer (see the script).
    /// </summary>
    public async Task<UserCheck> CheckAsync(string tenant, string sessionId, string userId, SessionEvent e)
    {
        var result = (RedisResult[])(await StoreScripts.UserHistory.EvaluateAsync(redis.GetDatabase(), [RedisKeys.UserHistory(tenant, userId)], Arguments(sessionId, e, options.Value)).ConfigureAwait(false))!;
        return Answer(result[0], result[1]);
    }

    /// <summary>user_history.lua's arguments for checking a session at event <paramref name="e"/>.</summary>
    internal static RedisValue[] Arguments(string sessionId, SessionEvent e, SessionStoreOptions options)
    {
        var digests = new ushort[SessionContext.Count];
        UserHistory.Digests(e, digests);
        var args = new RedisValue[4 + SessionContext.Count];
        args[0] = UserHistory.SessionTag(sessionId);
        args[1] = e.Ts;
        args[2] = (long)options.UserHistoryRetention.TotalMilliseconds;
        args[3] = UserHistory.ValuesPerAttribute;
        for (var a = 0; a < digests.Length; a++)
        {
            args[4 + a] = digests[a] == 0 ? RedisValue.EmptyString : (int)digests[a];
        }
        return args;
    }

    /// <summary>The check from the script's reply: earlier sessions, novel bits.</summary>
    internal static UserCheck Answer(RedisResult priorSessions, RedisResult novel)
        => new((byte)(int)novel, Math.Min((int)priorSessions, UserHistory.MaxPriorSessions));
}

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
        var args = new RedisValue[ArgumentCount];
        WriteArguments(sessionId, e, options.Value, args, 0);
        var result = (RedisResult[])(await StoreScripts.UserHistory.EvaluateAsync(redis.GetDatabase(), [RedisKeys.UserHistory(tenant, userId)], args).ConfigureAwait(false))!;
        return Answer(result[0], result[1]);
    }

    /// <summary>How many arguments user_history.lua takes.</summary>
    internal const int ArgumentCount = 4 + SessionContext.Count;

    /// <summary>user_history.lua's arguments for checking a session at event <paramref name="e"/>, from <paramref name="at"/> on.</summary>
    internal static void WriteArguments(string sessionId, SessionEvent e, SessionStoreOptions options, RedisValue[] args, int at)
    {
        Span<ushort> digests = stackalloc ushort[SessionContext.Count];
        UserHistory.Digests(e, digests);
        args[at] = UserHistory.SessionTag(sessionId);
        args[at + 1] = e.Ts;
        args[at + 2] = (long)options.UserHistoryRetention.TotalMilliseconds;
        args[at + 3] = UserHistory.ValuesPerAttribute;
        for (var a = 0; a < digests.Length; a++)
        {
            args[at + 4 + a] = digests[a] == 0 ? RedisValue.EmptyString : (int)digests[a];
        }
    }

    /// <summary>The check from the script's reply: earlier sessions, novel bits.</summary>
    internal static UserCheck Answer(RedisResult priorSessions, RedisResult novel)
        => new((byte)(int)novel, Math.Min((int)priorSessions, UserHistory.MaxPriorSessions));
}

using AnomalyEngine.Core.Events;
using AnomalyEngine.Core.Sessions;
using AnomalyEngine.State.Keys;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.State.Sessions;

/// <summary>
/// Live session state in Redis. A session is one key holding its packed state; applying a batch is
/// one Lua script over it: atomic against concurrent batches for the same session from other
/// replicas, and valid on Redis Cluster. Works the same against embedded Garnet and a real Redis.
/// </summary>
public sealed class RedisSessionStore(IConnectionMultiplexer redis, IOptions<SessionStoreOptions> options, TimeProvider time)
{
    // Script arguments that repeat on every call, converted once.
    private static readonly RedisValue KindView = "1";
    private static readonly RedisValue KindAction = "2";
    private static readonly RedisValue True = "1";
    private static readonly RedisValue False = "0";

    // ts, kind, name, success, duration, user id, event-id digest, then the context digests.
    private const int ArgsPerEvent = 7 + SessionContext.Count;

    private readonly SessionLimits _limits = SessionLimits.Default;

    /// <summary>The caps the script applies (the same the offline reducer uses).</summary>
    public SessionLimits Limits => _limits;

    /// <summary>
    /// Applies events of one session, in the order given (callers sort by ts, stable), and returns
    /// the state after them. With <paramref name="check"/>, where one node holds every key (a single
    /// Redis or Garnet, not a cluster), the same call also checks the session against the user's
    /// history when the batch made it due (<c>apply_then_check.lua</c>), and the state returned
    /// carries the answer; otherwise the caller checks it (<see cref="UserHistoryStore"/>,
    /// <see cref="RecordUserCheckAsync"/>).
    /// </summary>
    public async Task<SessionApplyResult> ApplyAsync(string tenant, string sessionId, IReadOnlyList<SessionEvent> events, UserCheckRequest? check = null)
    {
        var applyCount = 7 + ArgsPerEvent * events.Count;
        RedisResult[] result;
        if (check is { } c && OneNode)
        {
            var args = new RedisValue[2 + applyCount + UserHistoryStore.ArgumentCount];
            args[0] = applyCount;
            WriteApplyArguments(events, args, 1);
            args[1 + applyCount] = c.UserId;
            UserHistoryStore.WriteArguments(sessionId, c.At, options.Value, args, 2 + applyCount);
            RedisKey[] keys = [RedisKeys.Session(tenant, sessionId), RedisKeys.UserHistory(tenant, c.UserId)];
            result = (RedisResult[])(await StoreScripts.ApplyThenCheck.EvaluateAsync(Db, keys, args).ConfigureAwait(false))!;
        }
        else
        {
            var args = new RedisValue[applyCount];
            WriteApplyArguments(events, args, 0);
            result = (RedisResult[])(await StoreScripts.ApplyEvents.EvaluateAsync(Db, [RedisKeys.Session(tenant, sessionId)], args).ConfigureAwait(false))!;
        }
        ReadOnlyMemory<byte> packed = (RedisValue)result[2];
        var state = SessionStateCodec.Decode(sessionId, packed.Span, _limits);
        if (result.Length > 4)
        {
            state.UserCheck = UserHistoryStore.Answer(result[4], result[5]);
        }
        return new SessionApplyResult(new SessionSnapshot(state, ExpiresAt((long)result[3])), (int)result[0], (int)result[1]);
    }

    /// <summary>apply_events.lua's arguments, from <paramref name="at"/> on.</summary>
    private void WriteApplyArguments(IReadOnlyList<SessionEvent> events, RedisValue[] args, int at)
    {
        args[at] = (long)options.Value.InactivityTimeout.TotalMilliseconds;
        args[at + 1] = _limits.PathCap;
        args[at + 2] = _limits.NameCap;
        args[at + 3] = _limits.TransitionCap;
        args[at + 4] = _limits.EventIdCap;
        args[at + 5] = _limits.TailCap;
        args[at + 6] = events.Count;
        var a = at + 7;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            args[a++] = e.Ts;
            args[a++] = e.Kind == EventKind.View ? KindView : KindAction;
            args[a++] = e.Name;
            args[a++] = e.Success switch { true => True, false => False, null => RedisValue.EmptyString };
            args[a++] = e.DurationMs is { } d ? d : RedisValue.EmptyString;
            args[a++] = e.UserId ?? RedisValue.EmptyString;
            args[a++] = string.IsNullOrEmpty(e.EventId) ? RedisValue.EmptyString : EventIdDigest.Of(e.EventId);
            for (var c = 0; c < SessionContext.Count; c++)
            {
                args[a++] = SessionContext.ValueOf(e.Attributes, (ContextAttribute)c) is { } v ? (int)SessionContext.Digest(v) : RedisValue.EmptyString;
            }
        }
    }

    // Whether every node the connection knows is a standalone server: one holds all keys, so a
    // script may touch a session and its user's history (a cluster forbids keys of two slots).
    // Decided once every server is connected (before that a server's type is not known yet, and
    // the three calls work on any store).
    private bool OneNode
    {
        get
        {
            if (_oneNode is { } known)
            {
                return known;
            }
            var servers = redis.GetServers();
            if (servers.Length == 0 || !servers.All(s => s.IsConnected))
            {
                return false;
            }
            _oneNode = servers.All(s => s.ServerType == ServerType.Standalone);
            return _oneNode.Value;
        }
    }

    private bool? _oneNode;

    /// <summary>
    /// Records the session's user history check in its state (once: a session that holds one keeps
    /// it); false when the session is unknown, expired, already checked or without context.
    /// </summary>
    public async Task<bool> RecordUserCheckAsync(string tenant, string sessionId, UserCheck check)
    {
        RedisKey[] keys = [RedisKeys.Session(tenant, sessionId)];
        var result = await StoreScripts.SessionUserMark.EvaluateAsync(Db, keys, [(int)check.Novel, check.PriorSessions]).ConfigureAwait(false);
        return (int)result == 1;
    }

    /// <summary>Reads a session; null when unknown or expired.</summary>
    public Task<SessionSnapshot?> GetAsync(string tenant, string sessionId) => ReadAsync(tenant, sessionId, delete: false);

    /// <summary>Reads and deletes a session in one atomic step; null when unknown or expired.</summary>
    public Task<SessionSnapshot?> EndAsync(string tenant, string sessionId) => ReadAsync(tenant, sessionId, delete: true);

    private async Task<SessionSnapshot?> ReadAsync(string tenant, string sessionId, bool delete)
    {
        RedisKey[] keys = [RedisKeys.Session(tenant, sessionId)];
        var result = (RedisResult[])(await StoreScripts.ReadSession.EvaluateAsync(Db, keys, [delete ? True : False]).ConfigureAwait(false))!;
        ReadOnlyMemory<byte> packed = (RedisValue)result[0];
        if (packed.IsEmpty)
        {
            return null;
        }
        var state = SessionStateCodec.Decode(sessionId, packed.Span, _limits);
        return new SessionSnapshot(state, ExpiresAt((long)result[1]));
    }

    private IDatabase Db => redis.GetDatabase();

    private long ExpiresAt(long pttl) => time.GetUtcNow().ToUnixTimeMilliseconds() + Math.Max(0, pttl);
}

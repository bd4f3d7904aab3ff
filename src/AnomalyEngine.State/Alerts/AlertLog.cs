using System.Buffers.Text;
using System.IO.Hashing;
using System.Text;
using AnomalyEngine.State.Keys;
using AnomalyEngine.State.Sessions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AnomalyEngine.State.Alerts;

/// <summary>
/// The durable alert log of each tenant, in Redis: per partition a sorted set of records scored by a
/// monotonic sequence (INCR), with the dedup state under the same hash tag so the decision and the append
/// are one script (<c>alert_append.lua</c>). No Streams: Garnet has none. Payload-agnostic: the caller
/// stores bytes. Record format, version 1: <c>1:&lt;time ms&gt;:&lt;seq&gt;:&lt;body&gt;</c>.
/// </summary>
public sealed class AlertLog(IConnectionMultiplexer redis, IOptions<AlertOptions> options, IOptions<SessionStoreOptions> sessions)
{
    private static readonly string AppendScript = StoreScript.Load("alert_append.lua").Text;
    private static readonly string ReadScript = StoreScript.Load("alert_read.lua").Text;

    /// <summary>How long a session's last alerted severity is remembered after it was last seen anomalous.</summary>
    public TimeSpan DedupWindow => options.Value.DedupWindow > sessions.Value.InactivityTimeout ? options.Value.DedupWindow : sessions.Value.InactivityTimeout;

    /// <summary>Partitions per tenant feed.</summary>
    public int Partitions => options.Value.Partitions;

    /// <summary>The partition a session's alerts go to: stable across processes and restarts.</summary>
    public int PartitionOf(string sessionId)
    {
        var p = Partitions;
        if (p == 1)
        {
            return 0;
        }
        Span<byte> buffer = stackalloc byte[512];
        var bytes = Encoding.UTF8.GetByteCount(sessionId) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(sessionId, buffer)]
            : Encoding.UTF8.GetBytes(sessionId);
        return (int)(XxHash32.HashToUInt32(bytes) % (uint)p);
    }

    /// <summary>
    /// Raises an alert for a session's anomalous verdict unless the dedup rule suppresses it: a session
    /// alerts once, again only when its severity rises above the last alerted one (or after the re-alert
    /// interval). Atomic against every other replica. Returns the new seq, or 0 when suppressed.
    /// </summary>
    public async Task<long> AppendAsync(string tenant, int partition, string sessionId, int severity, long nowMs, ReadOnlyMemory<byte> body)
    {
        var o = options.Value;
        var window = DedupWindow.TotalMilliseconds;
        var keys = RedisKeys.AlertFeed(tenant, partition);
        RedisValue[] args =
        [
            sessionId,
            severity,
            nowMs,
            (long)o.ReAlertInterval.TotalMilliseconds,
            (long)window,
            o.MaxRecords,
            (long)o.MaxAge.TotalMilliseconds,
            // Base64 keeps the record plain text: Lua engines differ in how they treat binary arguments.
            Convert.ToBase64String(body.Span),
        ];
        var result = await Db.ScriptEvaluateAsync(AppendScript, keys.ToArray(), args).ConfigureAwait(false);
        return (long)result;
    }

    /// <summary>
    /// Announces a new alert to every replica's subscribers. Fire-and-forget: it is only a wake-up;
    /// subscribers also poll, so a lost message delays, never loses, an alert.
    /// </summary>
    public void PublishWake(string tenant, int partition, long seq) =>
        redis.GetSubscriber().Publish(RedisKeys.AlertWakeChannel, string.Concat(tenant, " ", partition.ToString(System.Globalization.CultureInfo.InvariantCulture), " ", seq.ToString(System.Globalization.CultureInfo.InvariantCulture)), CommandFlags.FireAndForget);

    /// <summary>Reads up to <paramref name="limit"/> records after <paramref name="afterSeq"/>, and the head, atomically.</summary>
    public async Task<AlertPage> ReadAsync(string tenant, int partition, long afterSeq, int limit)
    {
        var keys = RedisKeys.AlertFeed(tenant, partition);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ReadScript, [keys.Seq, keys.Log], [afterSeq, limit]).ConfigureAwait(false))!;
        var head = (long)result[0];
        var raw = (RedisResult[])result[1]!;
        var records = new AlertRecord[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            records[i] = Decode(partition, (byte[])raw[i]!);
        }
        return new AlertPage(head, records);
    }

    /// <summary>Parses a version-1 record: <c>1:time:seq:base64(body)</c>.</summary>
    internal static AlertRecord Decode(int partition, byte[] record)
    {
        var span = record.AsSpan();
        if (span.Length < 2 || span[0] != (byte)'1' || span[1] != (byte)':')
        {
            throw new InvalidDataException("unknown alert record version");
        }
        span = span[2..];
        var time = ReadNumber(ref span);
        var seq = ReadNumber(ref span);
        var body = new byte[Base64.GetMaxDecodedFromUtf8Length(span.Length)];
        if (Base64.DecodeFromUtf8(span, body, out _, out var written) != System.Buffers.OperationStatus.Done)
        {
            throw new InvalidDataException("corrupt alert record body");
        }
        return new AlertRecord(partition, seq, time, body.AsMemory(0, written));
    }

    private static long ReadNumber(ref Span<byte> span)
    {
        var colon = span.IndexOf((byte)':');
        if (colon <= 0 || !System.Buffers.Text.Utf8Parser.TryParse(span[..colon], out long value, out var consumed) || consumed != colon)
        {
            throw new InvalidDataException("corrupt alert record header");
        }
        span = span[(colon + 1)..];
        return value;
    }

    private IDatabase Db => redis.GetDatabase();
}

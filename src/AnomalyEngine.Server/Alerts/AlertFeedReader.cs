using System.Threading.Channels;
using AnomalyEngine.State.Alerts;
using Grpc.Core;
using V1 = AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// Feeds one subscriber's bounded buffer. The hand-over rule: per partition, the reader delivers only
/// the alert right after the last sequence it has seen, either a record this process's producer handed
/// over (the fast path: no read) or what a read of the log by range returns; at a gap it reads the log.
/// Since the waker is registered before the first read and every append is followed by a hand-off or a
/// wake-up (and a poll backs both up), backlog and live alerts form one gap-free, duplicate-free sequence.
/// </summary>
public sealed class AlertFeedReader(AlertLog log, AlertOptions options, string tenant, AlertMatcher matcher, long[]? resumeAfter, bool fromOldest)
{
    /// <summary>Alerts written to the buffer so far.</summary>
    public long Delivered { get; private set; }

    private long[] _last = [];
    private bool[] _checkGap = [];
    private readonly List<AlertRecord> _handedOver = [];

    /// <summary>The cursor of the start position (valid after <see cref="InitializeAsync"/>).</summary>
    public string StartCursor => AlertCursor.Format(_last);

    /// <summary>
    /// Fixes the start position. Call after the waker is registered: "from now" is then the head at a
    /// moment after which every append wakes this reader.
    /// </summary>
    public async Task InitializeAsync()
    {
        var partitions = log.Partitions;
        _last = new long[partitions];
        _checkGap = new bool[partitions];
        for (var p = 0; p < partitions; p++)
        {
            if (resumeAfter is not null)
            {
                _last[p] = resumeAfter[p];
                _checkGap[p] = true;
                // Fail a stale cursor now, before the stream starts, rather than on the first read.
                CheckContinuity(p, _last[p], await log.ReadAsync(tenant, p, _last[p], 1));
            }
            else if (!fromOldest)
            {
                _last[p] = (await log.ReadAsync(tenant, p, 0, 0)).Head;
                _checkGap[p] = true;
            }
            // fromOldest: last = 0 and the first page may start wherever retention left it.
        }
    }

    /// <summary>
    /// Runs until cancelled. Throws <see cref="RpcException"/> with OUT_OF_RANGE when the position is no
    /// longer (or not yet) in the retained log, RESOURCE_EXHAUSTED when the subscriber stalls.
    /// </summary>
    public async Task RunAsync(AlertWaker waker, ChannelWriter<V1.Alert> writer, CancellationToken ct)
    {
        var readLog = true;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var more = false;
            // '|', not '||': the wake-up flag is cleared before every read it would ask for anyway.
            if (readLog | waker.TakeReadLog())
            {
                more = await ReadLogAsync(writer, ct);
            }
            readLog = !await TakeHandedOverAsync(waker, writer, ct);
            if (!more && !readLog)
            {
                await waker.WaitAsync(options.PollInterval, ct);
            }
        }
    }

    // Reads every partition's log after its last seen sequence; true when a page came back full.
    private async Task<bool> ReadLogAsync(ChannelWriter<V1.Alert> writer, CancellationToken ct)
    {
        var more = false;
        for (var p = 0; p < _last.Length; p++)
        {
            var page = await log.ReadAsync(tenant, p, _last[p], options.ReadBatch);
            if (_checkGap[p])
            {
                CheckContinuity(p, _last[p], page);
            }
            _checkGap[p] = true;
            foreach (var record in page.Records)
            {
                await DeliverAsync(record, writer, ct);
            }
            more |= page.Records.Count == options.ReadBatch;
        }
        return more;
    }

    // Delivers the records this process's producers handed over while each is the next of its partition,
    // skipping ones already delivered. Concurrent producers hand over slightly out of order (n + 1 just
    // before n), so what is queued is taken in sequence order. False at a gap (an alert appended
    // elsewhere, or by a producer that has not handed over yet, lies between): the log must be read.
    private async Task<bool> TakeHandedOverAsync(AlertWaker waker, ChannelWriter<V1.Alert> writer, CancellationToken ct)
    {
        _handedOver.Clear();
        while (waker.TryTake(out var record))
        {
            _handedOver.Add(record);
        }
        _handedOver.Sort(BySequence);
        foreach (var record in _handedOver)
        {
            var last = _last[record.Partition];
            if (record.Seq <= last)
            {
                continue;
            }
            if (record.Seq != last + 1)
            {
                return false;
            }
            await DeliverAsync(record, writer, ct);
            waker.CountHandedOver();
        }
        return true;
    }

    private static readonly Comparison<AlertRecord> BySequence = static (a, b) =>
        a.Partition != b.Partition ? a.Partition.CompareTo(b.Partition) : a.Seq.CompareTo(b.Seq);

    private async Task DeliverAsync(AlertRecord record, ChannelWriter<V1.Alert> writer, CancellationToken ct)
    {
        _last[record.Partition] = record.Seq;
        var alert = AlertProducer.Decode(record, _last.Length);
        if (!matcher.Matches(alert))
        {
            return;
        }
        alert.Cursor = AlertCursor.Format(_last);
        await WriteAsync(writer, alert, ct);
        Delivered++;
    }

    private async Task WriteAsync(ChannelWriter<V1.Alert> writer, V1.Alert alert, CancellationToken ct)
    {
        if (writer.TryWrite(alert))
        {
            return;
        }
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(options.SubscriberStallTimeout);
        try
        {
            while (!writer.TryWrite(alert))
            {
                if (!await writer.WaitToWriteAsync(stall.Token))
                {
                    throw new OperationCanceledException("subscriber buffer closed");
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && stall.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                "subscriber fell too far behind (its buffer stayed full); resume from your last cursor"));
        }
    }

    private static void CheckContinuity(int partition, long after, AlertPage page)
    {
        if (page.Head < after)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange,
                $"resume_after is ahead of the feed (partition {partition} ends at {page.Head}); the store was reset. Resubscribe with from_oldest"));
        }
        var trimmed = page.Records.Count > 0 ? page.Records[0].Seq > after + 1 : page.Head > after;
        if (trimmed)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange,
                $"alerts after the cursor in partition {partition} are no longer retained; resubscribe with from_oldest to receive every alert still retained"));
        }
    }
}

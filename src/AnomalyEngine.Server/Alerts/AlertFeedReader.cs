using System.Threading.Channels;
using AnomalyEngine.State.Alerts;
using Grpc.Core;
using V1 = AnomalyEngine.Contracts.V1;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// Feeds one subscriber's bounded buffer from the log. The hand-over rule: pub/sub is only a wake-up;
/// the reader always reads by range after the last sequence it has seen, per partition. Since the waker
/// is registered before the first read and every append is followed by a wake-up (and a poll backs it
/// up), backlog and live alerts form one gap-free, duplicate-free sequence.
/// </summary>
public sealed class AlertFeedReader(AlertLog log, AlertOptions options, string tenant, AlertMatcher matcher, long[]? resumeAfter, bool fromOldest)
{
    /// <summary>Alerts written to the buffer so far.</summary>
    public long Delivered { get; private set; }

    private long[] _last = [];
    private bool[] _checkGap = [];

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
        var partitions = log.Partitions;
        var last = _last;
        var checkGap = _checkGap;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var more = false;
            for (var p = 0; p < partitions; p++)
            {
                var page = await log.ReadAsync(tenant, p, last[p], options.ReadBatch);
                if (checkGap[p])
                {
                    CheckContinuity(p, last[p], page);
                }
                checkGap[p] = true;
                foreach (var record in page.Records)
                {
                    last[p] = record.Seq;
                    var alert = AlertProducer.Decode(record, partitions);
                    if (!matcher.Matches(alert))
                    {
                        continue;
                    }
                    alert.Cursor = AlertCursor.Format(last);
                    await WriteAsync(writer, alert, ct);
                    Delivered++;
                }
                more |= page.Records.Count == options.ReadBatch;
            }
            if (!more)
            {
                await waker.WaitAsync(options.PollInterval, ct);
            }
        }
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

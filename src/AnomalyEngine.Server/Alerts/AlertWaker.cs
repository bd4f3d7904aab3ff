using System.Collections.Concurrent;
using System.Threading.Channels;
using AnomalyEngine.State.Alerts;

namespace AnomalyEngine.Server.Alerts;

/// <summary>
/// One subscriber's inbox from the <see cref="AlertHub"/>: records handed over by this process's
/// producers, a "read the log" flag for everything else, and an auto-reset signal (many signals before a
/// wait collapse into one). Disposing it unregisters the subscriber.
/// </summary>
public sealed class AlertWaker(int partitions, Action unregister, Action countHandedOver) : IDisposable
{
    // Beyond this many undelivered hand-offs the reader is told to read the log instead; a subscriber
    // that far behind is replaying anyway.
    private const int HandOffCapacity = 1024;

    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentQueue<AlertRecord> _handedOver = new();
    private readonly long[] _highestOffered = new long[partitions];
    private int _queued;
    private int _readLog;

    /// <summary>Tells the reader to read the log (an alert it was not handed may exist); never blocks.</summary>
    public void Wake()
    {
        Volatile.Write(ref _readLog, 1);
        _signal.Writer.TryWrite(true);
    }

    /// <summary>A record this process appended; the reader delivers it if it is the next of its partition.</summary>
    public void Offer(AlertRecord record)
    {
        if ((uint)record.Partition >= (uint)_highestOffered.Length)
        {
            Wake();
            return;
        }
        ref var highest = ref _highestOffered[record.Partition];
        for (var seen = Volatile.Read(ref highest); record.Seq > seen; seen = Volatile.Read(ref highest))
        {
            if (Interlocked.CompareExchange(ref highest, record.Seq, seen) == seen)
            {
                break;
            }
        }
        if (Interlocked.Increment(ref _queued) > HandOffCapacity)
        {
            Interlocked.Decrement(ref _queued);
            Wake();
            return;
        }
        _handedOver.Enqueue(record);
        _signal.Writer.TryWrite(true);
    }

    /// <summary>
    /// A wake-up message for alert <paramref name="seq"/> of a partition. One this process already
    /// handed over needs no read: the reader either delivers that record or, finding a gap before it,
    /// reads the log, which then holds this alert too (sequences are handed out in commit order).
    /// </summary>
    public void Announce(int partition, long seq)
    {
        if ((uint)partition >= (uint)_highestOffered.Length || seq > Volatile.Read(ref _highestOffered[partition]))
        {
            Wake();
        }
    }

    /// <summary>Takes the oldest handed-over record not yet taken.</summary>
    public bool TryTake(out AlertRecord record)
    {
        if (_handedOver.TryDequeue(out record!))
        {
            Interlocked.Decrement(ref _queued);
            return true;
        }
        return false;
    }

    /// <summary>Whether the log must be read, clearing the flag (a wake after this sets it again).</summary>
    public bool TakeReadLog() => Interlocked.Exchange(ref _readLog, 0) == 1;

    /// <summary>Counts a record delivered from a hand-off (diagnostics).</summary>
    public void CountHandedOver() => countHandedOver();

    /// <summary>Waits for a signal or the timeout; after the timeout the log is read anyway (the backstop for lost wake-ups).</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_signal.Reader.TryRead(out _))
        {
            return;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _signal.Reader.WaitToReadAsync(cts.Token);
            _signal.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Volatile.Write(ref _readLog, 1);
        }
    }

    /// <inheritdoc />
    public void Dispose() => unregister();
}

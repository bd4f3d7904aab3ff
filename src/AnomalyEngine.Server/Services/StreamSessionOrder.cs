using AnomalyEngine.Core.Events;

namespace AnomalyEngine.Server.Services;

/// <summary>
/// Per TrackStream: which in-flight batch last touched each session, so that a later batch of the
/// same session waits for it and a session's events apply in stream order. Used only by the
/// stream's read loop, so it needs no locking.
/// </summary>
internal sealed class StreamSessionOrder
{
    // Past this many remembered sessions, entries of finished batches are dropped; the map then
    // holds only sessions of the (bounded) in-flight window. The bar doubles with what survives a
    // prune, so a window of huge batches is not rescanned on every batch.
    private const int MinPruneAbove = 4096;
    private int _pruneAbove = MinPruneAbove;

    private readonly Dictionary<string, Task> _lastBatch = new(StringComparer.Ordinal);
    private readonly List<Task> _pending = [];

    /// <summary>A task that completes when every in-flight batch sharing a session with these events has; null when none does.</summary>
    public Task? PriorFor(SessionEvent[] events)
    {
        _pending.Clear();
        for (var i = 0; i < events.Length; i++)
        {
            if (_lastBatch.TryGetValue(events[i].SessionId, out var t) && !t.IsCompleted && !_pending.Contains(t))
            {
                _pending.Add(t);
            }
        }
        return _pending.Count switch
        {
            0 => null,
            1 => _pending[0],
            _ => Task.WhenAll(_pending),
        };
    }

    /// <summary>Records <paramref name="batch"/> as the latest batch of every session in it.</summary>
    public void Record(SessionEvent[] events, Task batch)
    {
        if (_lastBatch.Count > _pruneAbove)
        {
            foreach (var (session, t) in _lastBatch)
            {
                if (t.IsCompleted)
                {
                    _lastBatch.Remove(session);
                }
            }
            _pruneAbove = Math.Max(MinPruneAbove, 2 * _lastBatch.Count);
        }
        for (var i = 0; i < events.Length; i++)
        {
            _lastBatch[events[i].SessionId] = batch;
        }
    }
}

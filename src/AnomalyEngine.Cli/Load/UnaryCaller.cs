using System.Diagnostics;
using AnomalyEngine.Contracts.V1;
using Grpc.Core;

namespace AnomalyEngine.Cli.Load;

/// <summary>
/// One of the load's concurrent unary callers: one Track call in flight at a time, each request one
/// call of its own. At a fixed rate the pacer hands it calls as they come due (<see cref="Due"/>);
/// a call that comes due while the previous one is still out is held and sent the moment that one
/// returns, timed from its intended send time (coordinated omission); any other call is timed from
/// its actual send. At <c>--max</c> it sends the next call as soon as the previous one returns.
/// </summary>
/// <remarks>
/// A call due on an idle caller starts on the pacer's thread, which is awake at that moment anyway,
/// so it leaves at its intended time instead of waiting for a thread-pool worker. With the lean
/// client the answer is handled, and a held call sent, on its reader thread.
/// </remarks>
internal sealed class UnaryCaller(TrackClient client, SimulatedTraffic traffic, LoadRunner runner, CancellationToken ct)
{
    private readonly Lock _gate = new();
    private readonly Queue<long> _held = new();
    private bool _busy;

    /// <summary>The caller's current run of calls; complete when it is idle.</summary>
    public Task Running { get; private set; } = Task.CompletedTask;

    /// <summary>The call intended for <paramref name="intended"/> (a Stopwatch timestamp, now or past) is due.</summary>
    /// <remarks>Called by one pacer thread only, which is also the only writer of <see cref="Running"/>.</remarks>
    public void Due(long intended)
    {
        lock (_gate)
        {
            if (_busy)
            {
                _held.Enqueue(intended);
                return;
            }
            _busy = true;
        }
        Running = CallThenHeldAsync(Stopwatch.GetTimestamp());
    }

    /// <summary>Closed loop (<c>--max</c>): calls back to back while the run lasts.</summary>
    public void RunBackToBack() => Running = BackToBackAsync();

    private async Task CallThenHeldAsync(long from)
    {
        while (true)
        {
            await CallAsync(from);
            lock (_gate)
            {
                if (!_held.TryDequeue(out from))
                {
                    _busy = false;
                    return;
                }
            }
        }
    }

    private async Task BackToBackAsync()
    {
        while (runner.TryTake())
        {
            await CallAsync(Stopwatch.GetTimestamp());
        }
    }

    private async Task CallAsync(long from)
    {
        var (request, sessions) = runner.BuildRequest(traffic);
        try
        {
            var response = await client.TrackAsync(request, ct);
            runner.Stats.RecordSuccess(from, Stopwatch.GetTimestamp(), request.Events.Count, sessions, response.Verdicts);
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            runner.Stats.RecordError(from, ex.Status.ToString());
        }
    }
}

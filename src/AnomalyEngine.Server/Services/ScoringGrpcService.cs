using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Server.Engine;
using AnomalyEngine.Server.Grpc;
using Grpc.Core;
using CoreViolation = AnomalyEngine.Core.Events.FieldViolation;

namespace AnomalyEngine.Server.Services;

/// <summary>Thin gRPC face of <see cref="SessionScoringEngine"/>: validate, call, map.</summary>
public sealed class ScoringGrpcService(SessionScoringEngine engine, TimeProvider time) : ScoringService.ScoringServiceBase
{
    /// <summary>
    /// Batches of one TrackStream processed at once. One batch at a time left the stream waiting a
    /// full Redis round trip per batch; with a window the store pipelines the scripts of many
    /// batches. Bounded so that a fast producer meets back-pressure instead of filling memory.
    /// </summary>
    public const int MaxBatchesInFlight = 32;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    /// <inheritdoc />
    public override Task<TrackResponse> Track(TrackRequest request, ServerCallContext context)
    {
        var events = ProtoMapper.ToCore(request.Events);
        RpcErrors.ThrowIfAny(EventValidator.ValidateBatch(events, time.GetUtcNow()));
        return TrackValidAsync(TenantContext.Of(context), request.BatchId, events);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads ahead and processes up to <see cref="MaxBatchesInFlight"/> batches concurrently, while
    /// one writer loop sends the responses in request order. A batch that shares a session with a
    /// batch still in flight starts only after it (<see cref="StreamSessionOrder"/>), so a
    /// session's events still apply in stream order.
    /// </remarks>
    public override async Task TrackStream(IAsyncStreamReader<TrackRequest> requestStream, IServerStreamWriter<TrackResponse> responseStream, ServerCallContext context)
    {
        var tenant = TenantContext.Of(context);
        var ct = context.CancellationToken;
        var inFlight = Channel.CreateBounded<Task<TrackResponse>>(new BoundedChannelOptions(MaxBatchesInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        var writer = WriteInOrderAsync(inFlight, responseStream, ct);
        var order = new StreamSessionOrder();
        Exception? readFailure = null;
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(ct))
            {
                var batch = StartBatch(tenant, request, order);
                if (!inFlight.Writer.TryWrite(batch))
                {
                    await inFlight.Writer.WriteAsync(batch, ct);
                }
            }
        }
        catch (ChannelClosedException)
        {
            // The writer loop failed and closed the window; awaiting it below reports why.
        }
        catch (Exception ex)
        {
            readFailure = ex;
        }
        inFlight.Writer.TryComplete();
        try
        {
            await writer;
        }
        catch when (readFailure is not null)
        {
            // The read side failed first (client gone, cancelled); that is the error to report.
        }
        if (readFailure is not null)
        {
            ExceptionDispatchInfo.Throw(readFailure);
        }
    }

    /// <inheritdoc />
    public override async Task<SessionInfo> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        var violations = new List<CoreViolation>();
        EventValidator.ValidateSessionId(request.SessionId, "session_id", violations);
        RpcErrors.ThrowIfAny(violations);
        var found = await engine.GetAsync(TenantContext.Of(context), request.SessionId)
            ?? throw RpcErrors.SessionNotFound(request.SessionId);
        return ProtoMapper.ToProto(found.Snapshot.State, found.Snapshot.ExpiresAt, found.Verdict, found.Features);
    }

    /// <inheritdoc />
    public override async Task<EndSessionResponse> EndSession(EndSessionRequest request, ServerCallContext context)
    {
        var violations = new List<CoreViolation>();
        EventValidator.ValidateSessionId(request.SessionId, "session_id", violations);
        RpcErrors.ThrowIfAny(violations);
        var verdict = await engine.EndAsync(TenantContext.Of(context), request.SessionId)
            ?? throw RpcErrors.SessionNotFound(request.SessionId);
        return new EndSessionResponse { Verdict = ProtoMapper.ToProto(verdict) };
    }

    private Task<TrackResponse> StartBatch(string tenant, TrackRequest request, StreamSessionOrder order)
    {
        var events = ProtoMapper.ToCore(request.Events);
        var violations = EventValidator.ValidateBatch(events, time.GetUtcNow());
        if (violations.Count > 0)
        {
            return Task.FromResult(Rejected(request.BatchId, violations));
        }
        var prior = order.PriorFor(events);
        var batch = prior is null
            ? TrackValidAsync(tenant, request.BatchId, events)
            : TrackAfterAsync(prior, tenant, request.BatchId, events);
        order.Record(events, batch);
        return batch;
    }

    private async Task<TrackResponse> TrackAfterAsync(Task prior, string tenant, string batchId, SessionEvent[] events)
    {
        // A failed earlier batch fails the stream in the writer loop; this one need not rethrow it.
        await prior.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return await TrackValidAsync(tenant, batchId, events);
    }

    private static async Task WriteInOrderAsync(Channel<Task<TrackResponse>> inFlight, IServerStreamWriter<TrackResponse> stream, CancellationToken ct)
    {
        try
        {
            var reader = inFlight.Reader;
            while (await reader.WaitToReadAsync(ct))
            {
                while (reader.TryRead(out var batch))
                {
                    var response = await batch;
                    // Flush only when no further response is ready: under load several responses
                    // leave in one HTTP/2 write instead of one write (and syscall) each.
                    stream.WriteOptions = reader.TryPeek(out var next) && next.IsCompleted ? Buffered : null;
                    await stream.WriteAsync(response, ct);
                }
            }
        }
        catch (Exception ex)
        {
            inFlight.Writer.TryComplete(ex);
            throw;
        }
    }

    private async Task<TrackResponse> TrackValidAsync(string tenant, string batchId, SessionEvent[] events)
    {
        var outcomes = await engine.TrackAsync(tenant, events);
        var response = new TrackResponse { BatchId = batchId };
        foreach (var o in outcomes)
        {
            var verdict = ProtoMapper.ToProto(o.Verdict);
            verdict.AlertCursor = o.AlertCursor ?? "";
            response.Verdicts.Add(verdict);
        }
        return response;
    }

    private static TrackResponse Rejected(string batchId, List<CoreViolation> violations)
    {
        var error = new BatchError { Code = "INVALID_ARGUMENT", Message = RpcErrors.Summary(violations) };
        foreach (var v in violations)
        {
            error.Violations.Add(new Contracts.V1.FieldViolation { Field = v.Field, Description = v.Description });
        }
        return new TrackResponse { BatchId = batchId, Error = error };
    }
}

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
    /// <inheritdoc />
    public override async Task<TrackResponse> Track(TrackRequest request, ServerCallContext context)
    {
        var events = ProtoMapper.ToCore(request.Events);
        RpcErrors.ThrowIfAny(EventValidator.ValidateBatch(events, time.GetUtcNow()));
        return await TrackValidAsync(TenantContext.Of(context), request.BatchId, events);
    }

    /// <inheritdoc />
    public override async Task TrackStream(IAsyncStreamReader<TrackRequest> requestStream, IServerStreamWriter<TrackResponse> responseStream, ServerCallContext context)
    {
        var tenant = TenantContext.Of(context);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var events = ProtoMapper.ToCore(request.Events);
            var violations = EventValidator.ValidateBatch(events, time.GetUtcNow());
            var response = violations.Count == 0
                ? await TrackValidAsync(tenant, request.BatchId, events)
                : Rejected(request.BatchId, violations);
            await responseStream.WriteAsync(response, context.CancellationToken);
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

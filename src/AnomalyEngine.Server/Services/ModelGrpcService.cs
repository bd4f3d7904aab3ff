using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.State.Labels;
using Grpc.Core;
using CoreViolation = AnomalyEngine.Core.Events.FieldViolation;

namespace AnomalyEngine.Server.Services;

/// <summary>Thin gRPC face of the live model and of analyst labels.</summary>
public sealed class ModelGrpcService(LabelStore labels, TimeProvider time) : ModelService.ModelServiceBase
{
    private const int MaxNoteBytes = 1024;

    /// <inheritdoc />
    public override async Task<LabelSessionResponse> LabelSession(LabelSessionRequest request, ServerCallContext context)
    {
        var violations = new List<CoreViolation>();
        EventValidator.ValidateSessionId(request.SessionId, "session_id", violations);
        if (System.Text.Encoding.UTF8.GetByteCount(request.Note) > MaxNoteBytes)
        {
            violations.Add(new("note", $"must be at most {MaxNoteBytes} UTF-8 bytes"));
        }
        if (request.Class.Length > 64)
        {
            violations.Add(new("class", "must be at most 64 characters"));
        }
        RpcErrors.ThrowIfAny(violations);
        var label = new SessionLabelV1(
            request.SessionId,
            request.Anomalous,
            request.Class.Length == 0 ? null : request.Class,
            request.Note.Length == 0 ? null : request.Note,
            time.GetUtcNow().ToUnixTimeMilliseconds());
        var stored = await labels.PutAsync(TenantContext.Of(context), label);
        return new LabelSessionResponse { LabelsStored = stored };
    }

    /// <inheritdoc />
    public override async Task ExportLabels(ExportLabelsRequest request, IServerStreamWriter<Contracts.V1.SessionLabel> responseStream, ServerCallContext context)
    {
        await foreach (var l in labels.ScanAsync(TenantContext.Of(context)))
        {
            await responseStream.WriteAsync(new Contracts.V1.SessionLabel
            {
                SessionId = l.SessionId,
                Anomalous = l.Anomalous,
                Class = l.Class ?? "",
                Note = l.Note ?? "",
                LabeledAt = l.LabeledAt,
            }, context.CancellationToken);
        }
    }
}

using AnomalyEngine.Contracts.V1;
using AnomalyEngine.Core.Events;
using AnomalyEngine.Scoring;
using AnomalyEngine.Server.Grpc;
using AnomalyEngine.State.Labels;
using Grpc.Core;
using CoreViolation = AnomalyEngine.Core.Events.FieldViolation;

namespace AnomalyEngine.Server.Services;

/// <summary>Thin gRPC face of the live model and of analyst labels.</summary>
public sealed class ModelGrpcService(LabelStore labels, ModelHost models, TimeProvider time) : ModelService.ModelServiceBase
{
    private const int MaxNoteBytes = 1024;

    /// <inheritdoc />
    public override Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context) =>
        Task.FromResult(ToProto(models.Manifest));

    /// <inheritdoc />
    public override Task<ModelInfo> ReloadModel(ReloadModelRequest request, ServerCallContext context)
    {
        string? path = null;
        if (request.Path.Length > 0)
        {
            // Only bundles beside the configured one may be loaded: a caller cannot make the server read arbitrary folders.
            var root = Path.GetDirectoryName(models.BundlePath.TrimEnd(Path.DirectorySeparatorChar))!;
            path = Path.GetFullPath(request.Path, root);
            if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw RpcErrors.InvalidArgument([new CoreViolation("path", $"must name a bundle folder under {root}")]);
            }
        }
        try
        {
            return Task.FromResult(ToProto(models.Reload(path)));
        }
        catch (ModelLoadException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"bundle refused, the current model {models.Manifest.Version} stays: {ex.Message}"));
        }
    }

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

    private static ModelInfo ToProto(ModelManifest m)
    {
        var info = new ModelInfo
        {
            Version = m.Version,
            Created = m.Created.ToUnixTimeMilliseconds(),
            FeatureSchemaHash = m.FeatureSchemaHash,
            AlertThreshold = m.AlertThreshold,
            TargetFpr = m.TargetFpr,
            ManifestJson = m.RawJson,
            Path = m.BundlePath,
        };
        info.Features.Add(m.Features);
        return info;
    }
}

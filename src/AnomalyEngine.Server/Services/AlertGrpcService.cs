using AnomalyEngine.Contracts.V1;
using Grpc.Core;

namespace AnomalyEngine.Server.Services;

/// <summary>The alert feed. Not built yet: the contract is fixed, the call answers UNIMPLEMENTED.</summary>
public sealed class AlertGrpcService : AlertService.AlertServiceBase
{
    /// <inheritdoc />
    public override Task Subscribe(SubscribeRequest request, IServerStreamWriter<Alert> responseStream, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "the alert feed is not available in this version"));
}

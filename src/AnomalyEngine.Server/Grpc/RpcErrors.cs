using AnomalyEngine.Core.Events;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace AnomalyEngine.Server.Grpc;

/// <summary>Builds the engine's gRPC errors, with google.rpc.BadRequest details for validation.</summary>
public static class RpcErrors
{
    /// <summary>INVALID_ARGUMENT naming every violated field (first few in the message, all in the details).</summary>
    public static RpcException InvalidArgument(IReadOnlyList<FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        foreach (var v in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description });
        }
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = Summary(violations),
            Details = { Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }

    /// <summary>Throws INVALID_ARGUMENT when there are violations.</summary>
    public static void ThrowIfAny(List<FieldViolation> violations)
    {
        if (violations.Count > 0)
        {
            throw InvalidArgument(violations);
        }
    }

    /// <summary>NOT_FOUND for an unknown or expired session.</summary>
    public static RpcException SessionNotFound(string sessionId) =>
        new(new global::Grpc.Core.Status(StatusCode.NotFound, $"session '{sessionId}' is unknown or has expired"));

    /// <summary>One line naming the violated fields.</summary>
    public static string Summary(IReadOnlyList<FieldViolation> violations)
    {
        const int shown = 3;
        var parts = new List<string>(shown);
        for (var i = 0; i < violations.Count && i < shown; i++)
        {
            parts.Add($"{violations[i].Field}: {violations[i].Description}");
        }
        var more = violations.Count > shown ? $" (and {violations.Count - shown} more)" : "";
        return "invalid request: " + string.Join("; ", parts) + more;
    }
}

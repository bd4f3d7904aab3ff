using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;

namespace AnomalyEngine.Cli.Load.Lean;

/// <summary>A call in flight as <see cref="LeanGrpcConnection"/>'s reader thread sees it.</summary>
internal interface IPendingCall
{
    void Append(ReadOnlySpan<byte> data);
    void Headers(ResponseHeaders headers);
    void Complete(ResponseHeaders trailers);
    void Fail(RpcException reason);
}

/// <summary>One call in flight: the answer's bytes and status as they arrive, then its result.</summary>
internal sealed class PendingCall<TResponse>(MessageParser<TResponse> parser) : IPendingCall
    where TResponse : IMessage<TResponse>
{
    // Not RunContinuationsAsynchronously: the continuation runs on the reader thread, on purpose.
    private readonly TaskCompletionSource<TResponse> _done = new();
    private readonly ArrayBufferWriter<byte> _body = new(256);
    private int? _httpStatus;

    public Task<TResponse> Task => _done.Task;

    public void Append(ReadOnlySpan<byte> data) => _body.Write(data);

    public void Headers(ResponseHeaders headers) => _httpStatus ??= headers.HttpStatus;

    public void Complete(ResponseHeaders trailers)
    {
        if (_httpStatus is not 200)
        {
            Fail(new RpcException(new Status(StatusCode.Internal, $"HTTP status {_httpStatus?.ToString() ?? "missing"}")));
        }
        else if (trailers.GrpcStatus is not { } status)
        {
            Fail(new RpcException(new Status(StatusCode.Internal, "the answer ended without grpc-status")));
        }
        else if (status != 0)
        {
            Fail(new RpcException(new Status((StatusCode)status, trailers.GrpcMessage ?? "")));
        }
        else
        {
            var body = _body.WrittenSpan;
            if (body.Length < 5 || body[0] != 0 || BinaryPrimitives.ReadInt32BigEndian(body[1..]) != body.Length - 5)
            {
                Fail(new RpcException(new Status(StatusCode.Internal, "the answer is not one uncompressed gRPC message")));
                return;
            }
            _done.TrySetResult(parser.ParseFrom(body[5..]));
        }
    }

    public void Fail(RpcException reason) => _done.TrySetException(reason);
}

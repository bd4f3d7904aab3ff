using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using static AnomalyEngine.Cli.Load.Lean.Http2Frame;

namespace AnomalyEngine.Cli.Load.Lean;

/// <summary>
/// A unary gRPC client on one plaintext HTTP/2 connection that uses no thread pool: the calling
/// thread writes a call's HEADERS and DATA frames with one send, and one dedicated reader thread
/// parses the answers and completes each call inline, so its continuation (the load tool's
/// bookkeeping and its next call) runs right there.
/// </summary>
/// <remarks>
/// Why the load tool has it: at 2,000 calls/s Grpc.Net.Client cost the load process ~210 µs of CPU per
/// call, mostly waking, spinning and switching thread-pool threads, on the same two cores as the
/// server and Redis it measures (docs/performance.md). This client is for measuring; it speaks only
/// what a unary call to this engine needs: prior-knowledge h2c, no TLS, no compression, no Huffman
/// in response headers (Kestrel sends none), no reconnection. Anything else fails the connection with
/// a message that names the fallback, <c>--client grpc</c>.
/// </remarks>
internal sealed partial class LeanGrpcConnection : IDisposable
{
    private const int MaxWindow = int.MaxValue; // 2^31 - 1
    private const int DefaultWindow = 65_535;
    // This client's receive limits: the default frame size, and no dynamic table for the server to fill.
    private const int MaxFrameSize = 16_384;
    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private readonly Socket _socket;
    private readonly Thread _reader;
    private readonly string _authority;
    private readonly string? _bearer;
    private readonly Dictionary<string, byte[]> _headerBlocks = [];
    private readonly ManualResetEventSlim _settled = new();

    // Guarded by _gate: stream ids, calls in flight, the connection's send window and DATA it holds back.
    private readonly Lock _gate = new();
    private readonly Dictionary<int, IPendingCall> _calls = [];
    private readonly Queue<(byte[] Frames, int Length, int Payload)> _heldData = new();
    private int _nextStreamId = 1;
    private long _sendWindow = DefaultWindow;
    private int _peerStreamWindow = DefaultWindow;
    private int _peerMaxFrame = MaxFrameSize;
    private int _peerMaxStreams = int.MaxValue;
    private RpcException? _failed;

    // Reader thread only.
    private readonly byte[] _in = new byte[4 * MaxFrameSize];
    private int _inStart, _inEnd;
    private readonly ArrayBufferWriter<byte> _headerBlock = new();
    private int _headerStream;
    private bool _headerEndsStream;
    private long _receivedUnacknowledged;

    private LeanGrpcConnection(Socket socket, string authority, string? bearer)
    {
        _socket = socket;
        _authority = authority;
        _bearer = bearer;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "lean-grpc-reader" };
    }

    /// <summary>The server's limit on concurrent calls, from its SETTINGS.</summary>
    public int MaxConcurrentCalls
    {
        get { lock (_gate) { return _peerMaxStreams; } }
    }

    /// <summary>Connects to <paramref name="target"/> (http only) and waits for the server's settings.</summary>
    /// <exception cref="RpcException">Unavailable: no connection, or no HTTP/2 server answered.</exception>
    public static LeanGrpcConnection Connect(Uri target, string? bearer, TimeSpan timeout)
    {
        if (target.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException("the lean client speaks plaintext HTTP/2 only; use --client grpc for " + target.Scheme, nameof(target));
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(target.Host.Trim('[', ']'), target.Port);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new RpcException(new Status(StatusCode.Unavailable, $"cannot connect to {target}: {ex.Message}"));
        }
        var connection = new LeanGrpcConnection(socket, target.Authority, bearer);
        connection.Start();
        try
        {
            if (!connection._settled.Wait(timeout))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"{target} sent no HTTP/2 settings within {timeout.TotalSeconds:0} s"));
            }
            connection.ThrowIfFailed();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Start()
    {
        // Preface, then our settings: no push, no dynamic table for the server's headers, stream
        // windows as large as allowed (a unary answer never needs a WINDOW_UPDATE), and the
        // connection window opened as wide, topped up as answers arrive.
        var hello = new byte[Preface.Length + FrameHeaderLength + 3 * 6 + FrameHeaderLength + 4];
        Preface.CopyTo(hello);
        var at = Preface.Length;
        at += WriteFrameHeader(hello.AsSpan(at), 3 * 6, Settings, 0, 0);
        at += WriteSetting(hello.AsSpan(at), 1, 0);         // SETTINGS_HEADER_TABLE_SIZE
        at += WriteSetting(hello.AsSpan(at), 2, 0);         // SETTINGS_ENABLE_PUSH
        at += WriteSetting(hello.AsSpan(at), 4, MaxWindow); // SETTINGS_INITIAL_WINDOW_SIZE
        at += WriteFrameHeader(hello.AsSpan(at), 4, WindowUpdate, 0, 0);
        BinaryPrimitives.WriteInt32BigEndian(hello.AsSpan(at), MaxWindow - DefaultWindow);
        SendAll(hello);
        _reader.Start();
    }

    /// <summary>Makes one unary call; its task completes on the reader thread.</summary>
    /// <exception cref="RpcException">The connection has failed (the task carries call failures).</exception>
    public Task<TResponse> CallAsync<TResponse>(string path, IMessage request, MessageParser<TResponse> parser)
        where TResponse : IMessage<TResponse>
    {
        var call = new PendingCall<TResponse>(parser);
        var payload = 5 + request.CalculateSize();
        lock (_gate)
        {
            ThrowIfFailed();
            if (payload > _peerStreamWindow)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"a {payload}-byte request exceeds the server's stream window of {_peerStreamWindow} bytes"));
            }
            if (!_headerBlocks.TryGetValue(path, out var block))
            {
                _headerBlocks[path] = block = Hpack.RequestBlock(path, _authority, _bearer);
            }
            if (_nextStreamId < 0)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "this connection has used all its stream ids"));
            }
            var id = _nextStreamId;
            _nextStreamId += 2;
            _calls[id] = call;

            // HEADERS then the DATA frames: a 5-byte gRPC prefix and the message, split at the
            // server's frame size, the last one ending the stream.
            var dataFrames = (payload + _peerMaxFrame - 1) / _peerMaxFrame;
            var length = FrameHeaderLength + block.Length + dataFrames * FrameHeaderLength + payload;
            var frames = ArrayPool<byte>.Shared.Rent(length);
            var at = WriteFrameHeader(frames, block.Length, Headers, EndHeaders, id);
            block.CopyTo(frames.AsSpan(at));
            at += block.Length;
            var headersEnd = at;
            var message = ArrayPool<byte>.Shared.Rent(payload);
            message[0] = 0; // not compressed
            BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), payload - 5);
            request.WriteTo(message.AsSpan(5, payload - 5));
            for (var sent = 0; sent < payload;)
            {
                var chunk = Math.Min(_peerMaxFrame, payload - sent);
                at += WriteFrameHeader(frames.AsSpan(at), chunk, Data, sent + chunk == payload ? EndStream : (byte)0, id);
                message.AsSpan(sent, chunk).CopyTo(frames.AsSpan(at));
                at += chunk;
                sent += chunk;
            }
            ArrayPool<byte>.Shared.Return(message);

            // DATA is flow-controlled, HEADERS are not: when the connection window is short, the
            // stream opens now (ids must rise on the wire) and its DATA waits for a WINDOW_UPDATE.
            if (_heldData.Count == 0 && _sendWindow >= payload)
            {
                _sendWindow -= payload;
                SendAll(frames.AsSpan(0, length));
                ArrayPool<byte>.Shared.Return(frames);
            }
            else
            {
                SendAll(frames.AsSpan(0, headersEnd));
                frames.AsSpan(headersEnd, length - headersEnd).CopyTo(frames);
                _heldData.Enqueue((frames, length - headersEnd, payload));
            }
        }
        return call.Task;
    }

    private IPendingCall? Find(int stream, bool remove)
    {
        lock (_gate)
        {
            return remove ? (_calls.Remove(stream, out var call) ? call : null) : _calls.GetValueOrDefault(stream);
        }
    }

    // Fails the calls above afterStream (all when 0) and every later call.
    private void Fail(RpcException reason, int afterStream)
    {
        List<IPendingCall> failed;
        lock (_gate)
        {
            _failed ??= reason;
            var ids = _calls.Keys.Where(id => id > afterStream).ToList();
            failed = ids.Select(id => _calls[id]).ToList();
            ids.ForEach(id => _calls.Remove(id));
        }
        failed.ForEach(call => call.Fail(reason));
        _settled.Set();
    }

    private void ThrowIfFailed()
    {
        lock (_gate)
        {
            if (_failed is not null)
            {
                throw _failed;
            }
        }
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_socket.Send(bytes)..];
        }
    }

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already closed by the server
        }
        _socket.Dispose();
        if (_reader.IsAlive)
        {
            _reader.Join(TimeSpan.FromSeconds(5));
        }
        _settled.Dispose();
    }
}

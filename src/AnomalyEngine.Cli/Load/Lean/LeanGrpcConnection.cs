using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;

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
internal sealed class LeanGrpcConnection : IDisposable
{
    private const int FrameHeaderLength = 9;
    private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, PushPromise = 0x5, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    private const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20;
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

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                Fill(FrameHeaderLength);
                var header = _in.AsSpan(_inStart, FrameHeaderLength);
                var length = header[0] << 16 | header[1] << 8 | header[2];
                var (type, flags) = (header[3], header[4]);
                var stream = BinaryPrimitives.ReadInt32BigEndian(header[5..]) & MaxWindow;
                if (length > MaxFrameSize)
                {
                    throw new FormatException($"a {length}-byte frame exceeds the {MaxFrameSize}-byte limit");
                }
                Fill(FrameHeaderLength + length);
                OnFrame(type, flags, stream, _in.AsSpan(_inStart + FrameHeaderLength, length));
                _inStart += FrameHeaderLength + length;
            }
        }
        catch (Exception ex)
        {
            var reason = ex switch
            {
                RpcException rpc => rpc,
                EndOfStreamException or SocketException or ObjectDisposedException => new RpcException(new Status(StatusCode.Unavailable, "connection closed: " + ex.Message)),
                _ => new RpcException(new Status(StatusCode.Internal, "HTTP/2 protocol error: " + ex.Message)),
            };
            Fail(reason, afterStream: 0);
        }
    }

    private void OnFrame(byte type, byte flags, int stream, ReadOnlySpan<byte> payload)
    {
        if (_headerStream != 0 && type != Continuation)
        {
            throw new FormatException("a header block was interrupted by another frame");
        }
        switch (type)
        {
            case Data:
                ReturnWindow(payload.Length);
                if (Find(stream, remove: (flags & EndStream) != 0) is { } call)
                {
                    call.Append(Unpad(payload, flags));
                    if ((flags & EndStream) != 0)
                    {
                        call.Complete(default);
                    }
                }
                break;
            case Headers:
                var block = Unpad(payload, flags);
                if ((flags & Priority) != 0)
                {
                    block = block[5..];
                }
                _headerBlock.ResetWrittenCount();
                _headerBlock.Write(block);
                (_headerStream, _headerEndsStream) = (stream, (flags & EndStream) != 0);
                if ((flags & EndHeaders) != 0)
                {
                    OnHeaderBlock();
                }
                break;
            case Continuation:
                if (stream != _headerStream || stream == 0)
                {
                    throw new FormatException("CONTINUATION without its HEADERS");
                }
                _headerBlock.Write(payload);
                if ((flags & EndHeaders) != 0)
                {
                    OnHeaderBlock();
                }
                break;
            case RstStream:
                var code = BinaryPrimitives.ReadUInt32BigEndian(payload);
                Find(stream, remove: true)?.Fail(new RpcException(new Status(StatusCode.Internal, $"the server reset the stream (HTTP/2 error {code})")));
                break;
            case Settings when (flags & Ack) == 0:
                OnSettings(payload);
                break;
            case Ping when (flags & Ack) == 0:
                var pong = new byte[FrameHeaderLength + 8];
                WriteFrameHeader(pong, 8, Ping, Ack, 0);
                payload.CopyTo(pong.AsSpan(FrameHeaderLength));
                lock (_gate)
                {
                    SendAll(pong);
                }
                break;
            case GoAway:
                var last = BinaryPrimitives.ReadInt32BigEndian(payload) & MaxWindow;
                var error = BinaryPrimitives.ReadUInt32BigEndian(payload[4..]);
                Fail(new RpcException(new Status(StatusCode.Unavailable, $"the server is closing the connection (GOAWAY, HTTP/2 error {error})")), afterStream: last);
                break;
            case WindowUpdate when stream == 0:
                OnWindowUpdate(BinaryPrimitives.ReadInt32BigEndian(payload) & MaxWindow);
                break;
            case PushPromise:
                throw new FormatException("PUSH_PROMISE although push is disabled");
        }
    }

    private void OnHeaderBlock()
    {
        var headers = new ResponseHeaders();
        HpackDecoder.Decode(_headerBlock.WrittenSpan, ref headers);
        var (stream, ends) = (_headerStream, _headerEndsStream);
        _headerStream = 0;
        if (Find(stream, remove: ends) is { } call)
        {
            call.Headers(headers);
            if (ends)
            {
                call.Complete(headers);
            }
        }
    }

    private void OnSettings(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            for (var at = 0; at + 6 <= payload.Length; at += 6)
            {
                var value = BinaryPrimitives.ReadUInt32BigEndian(payload[(at + 2)..]);
                switch (BinaryPrimitives.ReadUInt16BigEndian(payload[at..]))
                {
                    case 3: _peerMaxStreams = (int)Math.Min(value, int.MaxValue); break;
                    case 4: _peerStreamWindow = (int)Math.Min(value, MaxWindow); break;
                    case 5: _peerMaxFrame = (int)Math.Clamp(value, MaxFrameSize, 16_777_215); break;
                }
            }
            var ack = new byte[FrameHeaderLength];
            WriteFrameHeader(ack, 0, Settings, Ack, 0);
            SendAll(ack);
        }
        _settled.Set();
    }

    private void OnWindowUpdate(int increment)
    {
        lock (_gate)
        {
            _sendWindow += increment;
            while (_heldData.TryPeek(out var held) && _sendWindow >= held.Payload)
            {
                _heldData.Dequeue();
                _sendWindow -= held.Payload;
                SendAll(held.Frames.AsSpan(0, held.Length));
                ArrayPool<byte>.Shared.Return(held.Frames);
            }
        }
    }

    // Received DATA is returned to the connection window in large steps; stream windows never run out.
    private void ReturnWindow(int length)
    {
        _receivedUnacknowledged += length;
        if (_receivedUnacknowledged < MaxWindow / 2)
        {
            return;
        }
        var update = new byte[FrameHeaderLength + 4];
        WriteFrameHeader(update, 4, WindowUpdate, 0, 0);
        BinaryPrimitives.WriteInt32BigEndian(update.AsSpan(FrameHeaderLength), (int)_receivedUnacknowledged);
        _receivedUnacknowledged = 0;
        lock (_gate)
        {
            SendAll(update);
        }
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

    private void Fill(int count)
    {
        if (_inEnd - _inStart >= count)
        {
            return;
        }
        if (_inStart > 0)
        {
            _in.AsSpan(_inStart, _inEnd - _inStart).CopyTo(_in);
            (_inEnd, _inStart) = (_inEnd - _inStart, 0);
        }
        while (_inEnd < count)
        {
            var read = _socket.Receive(_in, _inEnd, _in.Length - _inEnd, SocketFlags.None);
            if (read == 0)
            {
                throw new EndOfStreamException("the server closed the connection");
            }
            _inEnd += read;
        }
    }

    private static ReadOnlySpan<byte> Unpad(ReadOnlySpan<byte> payload, byte flags)
    {
        if ((flags & Padded) == 0)
        {
            return payload;
        }
        var pad = payload[0];
        return pad < payload.Length ? payload[1..^pad] : throw new FormatException("padding longer than the frame");
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_socket.Send(bytes)..];
        }
    }

    private static int WriteFrameHeader(Span<byte> to, int length, byte type, byte flags, int stream)
    {
        to[0] = (byte)(length >> 16);
        to[1] = (byte)(length >> 8);
        to[2] = (byte)length;
        to[3] = type;
        to[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(to[5..], stream);
        return FrameHeaderLength;
    }

    private static int WriteSetting(Span<byte> to, ushort id, int value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(to, id);
        BinaryPrimitives.WriteInt32BigEndian(to[2..], value);
        return 6;
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

    private interface IPendingCall
    {
        void Append(ReadOnlySpan<byte> data);
        void Headers(ResponseHeaders headers);
        void Complete(ResponseHeaders trailers);
        void Fail(RpcException reason);
    }

    /// <summary>One call in flight: the answer's bytes and status as they arrive.</summary>
    private sealed class PendingCall<TResponse>(MessageParser<TResponse> parser) : IPendingCall
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
}

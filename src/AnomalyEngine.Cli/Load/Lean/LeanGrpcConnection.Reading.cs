using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Grpc.Core;
using static AnomalyEngine.Cli.Load.Lean.Http2Frame;

namespace AnomalyEngine.Cli.Load.Lean;

/// <summary>The reader thread: frames in, calls completed, settings and flow control kept.</summary>
internal sealed partial class LeanGrpcConnection
{
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
                if (!_settled.IsSet && type != Settings)
                {
                    throw new FormatException($"its first frame was not SETTINGS (type {type})");
                }
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
                // A server must open with SETTINGS; anything else is not plaintext HTTP/2 (prior knowledge).
                _ when !_settled.IsSet => new RpcException(new Status(StatusCode.Unavailable,
                    $"{_authority} did not answer as a plaintext HTTP/2 (h2c) server: {ex.Message}")),
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
}

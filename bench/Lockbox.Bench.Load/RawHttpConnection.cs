using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lockbox.Bench.Load;

/// <summary>
/// One HTTP/1.1 keep-alive connection driven by hand: the request is formatted straight into a
/// reused buffer and the answer parsed in place (status line, Content-Length or chunked body). The
/// socket is awaited, and the program runs socket completions on .NET's epoll threads (one per
/// core, see Program.cs), so a few threads drive every connection, as wrk's event loops do. That
/// costs the generator a fraction of the CPU of <see cref="HttpClient"/> and of a blocked thread
/// per connection (whose every answer is a context switch), so on a small machine more of the
/// cores are left to the server being measured. The server sees the same bytes a SigV4-signing SDK
/// would send.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    private readonly EndPoint _endpoint;
    private readonly byte[] _hostLine;
    private byte[] _request = new byte[16 * 1024];
    private byte[] _receive = new byte[64 * 1024];
    private int _receiveStart;
    private int _receiveEnd;
    private Socket? _socket;

    public RawHttpConnection(Uri endpoint)
    {
        _endpoint = new IPEndPoint(IPAddress.Parse(endpoint.Host), endpoint.Port);
        _hostLine = Encoding.ASCII.GetBytes("Host: " + endpoint.Authority + "\r\n");
    }

    /// <summary>Sends a signed AWS JSON 1.0 POST to "/"; the answer's body lands in <paramref name="response"/>.</summary>
    public ValueTask<int> PostAsync(string target, string amzDate, string authorization, ReadOnlyMemory<byte> body, ResponseBuffer response,
        string? sessionToken = null) =>
        RoundTripAsync(FormatPost(target, amzDate, authorization, body.Span, sessionToken), response);

    private int FormatPost(string target, string amzDate, string authorization, ReadOnlySpan<byte> body, string? sessionToken)
    {
        int length = 0;
        Append(ref length, "POST / HTTP/1.1\r\n"u8);
        Append(ref length, _hostLine);
        Append(ref length, "Content-Type: "u8);
        AppendAscii(ref length, SigV4Signer.ContentType);
        Append(ref length, "\r\nX-Amz-Target: "u8);
        AppendAscii(ref length, target);
        Append(ref length, "\r\nX-Amz-Date: "u8);
        AppendAscii(ref length, amzDate);
        Append(ref length, "\r\nAuthorization: "u8);
        AppendAscii(ref length, authorization);
        if (sessionToken is not null)
        {
            Append(ref length, "\r\nX-Amz-Security-Token: "u8);
            AppendAscii(ref length, sessionToken);
        }

        Append(ref length, "\r\nContent-Length: "u8);
        EnsureRequestCapacity(length + 16);
        Utf8Formatter.TryFormat(body.Length, _request.AsSpan(length), out int written);
        length += written;
        Append(ref length, HeaderEnd);
        Append(ref length, body);
        return length;
    }

    /// <summary>An unsigned <c>GET /</c> (the health line).</summary>
    public ValueTask<int> GetRootAsync(ResponseBuffer response) => RoundTripAsync(FormatGetRoot(), response);

    private int FormatGetRoot()
    {
        int length = 0;
        Append(ref length, "GET / HTTP/1.1\r\n"u8);
        Append(ref length, _hostLine);
        Append(ref length, "\r\n"u8);
        return length;
    }

    private async ValueTask<int> RoundTripAsync(int requestLength, ResponseBuffer response)
    {
        Socket socket = _socket ??= Connect();
        try
        {
            int sent = 0;
            while (sent < requestLength)
            {
                sent += await socket.SendAsync(_request.AsMemory(sent, requestLength - sent), SocketFlags.None);
            }

            int headerEnd;
            while ((headerEnd = FindInReceived(HeaderEnd)) < 0)
            {
                await ReceiveMoreAsync(socket);
            }

            (int status, long contentLength, bool chunked, bool close) = ConsumeHead(headerEnd);
            response.Length = 0;
            if (chunked)
            {
                while (true)
                {
                    int lineEnd;
                    while ((lineEnd = FindInReceived("\r\n"u8)) < 0)
                    {
                        await ReceiveMoreAsync(socket);
                    }

                    long size = ConsumeChunkSize(lineEnd);
                    if (size > 0)
                    {
                        await ReadExactlyAsync(socket, response, size);
                    }

                    await ReadExactlyAsync(socket, null, 2);
                    if (size == 0)
                    {
                        break;
                    }
                }
            }
            else if (contentLength >= 0)
            {
                await ReadExactlyAsync(socket, response, contentLength);
            }
            else
            {
                throw new IOException("answer has neither Content-Length nor chunked encoding");
            }

            if (close)
            {
                Close();
            }

            return status;
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async ValueTask ReadExactlyAsync(Socket socket, ResponseBuffer? response, long count)
    {
        while (count > 0)
        {
            if (_receiveStart == _receiveEnd)
            {
                await ReceiveMoreAsync(socket);
            }

            count -= Consume(response, count);
        }
    }

    private async ValueTask ReceiveMoreAsync(Socket socket)
    {
        MakeReceiveRoom();
        int n = await socket.ReceiveAsync(_receive.AsMemory(_receiveEnd), SocketFlags.None);
        if (n == 0)
        {
            throw new IOException("connection closed by the server");
        }

        _receiveEnd += n;
    }

    private int FindInReceived(ReadOnlySpan<byte> bytes) => _receive.AsSpan(_receiveStart, _receiveEnd - _receiveStart).IndexOf(bytes);

    /// <summary>Parses the status line and headers ending at <paramref name="headerEnd"/> and consumes them.</summary>
    private (int Status, long ContentLength, bool Chunked, bool Close) ConsumeHead(int headerEnd)
    {
        ReadOnlySpan<byte> head = _receive.AsSpan(_receiveStart, headerEnd);
        int status = ParseStatus(head);
        (long contentLength, bool chunked, bool close) = ParseHeaders(head);
        _receiveStart += headerEnd + HeaderEnd.Length;
        return (status, contentLength, chunked, close);
    }

    /// <summary>Parses the chunk-size line ending at <paramref name="lineEnd"/> and consumes it.</summary>
    private long ConsumeChunkSize(int lineEnd)
    {
        ReadOnlySpan<byte> sizeLine = _receive.AsSpan(_receiveStart, lineEnd);
        int semicolon = sizeLine.IndexOf((byte)';');
        if (semicolon >= 0)
        {
            sizeLine = sizeLine[..semicolon];
        }

        if (!Utf8Parser.TryParse(sizeLine, out long size, out _, 'X'))
        {
            throw new IOException("bad chunk size line");
        }

        _receiveStart += lineEnd + 2;
        return size;
    }

    /// <summary>Moves up to <paramref name="count"/> received bytes into <paramref name="response"/> (null: discards them).</summary>
    private int Consume(ResponseBuffer? response, long count)
    {
        int take = (int)Math.Min(count, _receiveEnd - _receiveStart);
        response?.Append(_receive.AsSpan(_receiveStart, take));
        _receiveStart += take;
        return take;
    }

    private void MakeReceiveRoom()
    {
        if (_receiveStart > 0)
        {
            // Keep the unread bytes at the front so the buffer never needs to grow for headers.
            int pending = _receiveEnd - _receiveStart;
            _receive.AsSpan(_receiveStart, pending).CopyTo(_receive);
            _receiveStart = 0;
            _receiveEnd = pending;
        }

        if (_receiveEnd == _receive.Length)
        {
            Array.Resize(ref _receive, _receive.Length * 2);
        }
    }

    private Socket Connect()
    {
        var socket = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
        };
        try
        {
            socket.Connect(_endpoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _receiveStart = _receiveEnd = 0;
        return socket;
    }

    private static int ParseStatus(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !head.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new IOException("bad status line");
        }

        return status;
    }

    private static (long ContentLength, bool Chunked, bool Close) ParseHeaders(ReadOnlySpan<byte> head)
    {
        long contentLength = -1;
        bool chunked = false;
        bool close = false;
        int lineStart = head.IndexOf("\r\n"u8) + 2;
        while (lineStart > 1 && lineStart < head.Length)
        {
            ReadOnlySpan<byte> rest = head[lineStart..];
            int end = rest.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            int colon = line.IndexOf((byte)':');
            if (colon > 0)
            {
                ReadOnlySpan<byte> name = line[..colon];
                ReadOnlySpan<byte> value = line[(colon + 1)..].Trim((byte)' ');
                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
                {
                    Utf8Parser.TryParse(value, out contentLength, out _);
                }
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
                {
                    chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
                }
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    close = Ascii.EqualsIgnoreCase(value, "close"u8);
                }
            }

            if (end < 0)
            {
                break;
            }

            lineStart += end + 2;
        }

        return (contentLength, chunked, close);
    }

    private void Append(ref int length, ReadOnlySpan<byte> bytes)
    {
        EnsureRequestCapacity(length + bytes.Length);
        bytes.CopyTo(_request.AsSpan(length));
        length += bytes.Length;
    }

    private void AppendAscii(ref int length, string text)
    {
        EnsureRequestCapacity(length + text.Length);
        length += Encoding.ASCII.GetBytes(text, _request.AsSpan(length));
    }

    private void EnsureRequestCapacity(int needed)
    {
        if (needed > _request.Length)
        {
            Array.Resize(ref _request, Math.Max(needed, _request.Length * 2));
        }
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
    }

    public void Dispose() => Close();
}

/// <summary>A growable buffer holding one answer's body.</summary>
internal sealed class ResponseBuffer
{
    public byte[] Bytes { get; private set; } = new byte[64 * 1024];

    public int Length { get; set; }

    public ReadOnlySpan<byte> Span => Bytes.AsSpan(0, Length);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Length + data.Length > Bytes.Length)
        {
            byte[] bigger = new byte[Math.Max(Bytes.Length * 2, Length + data.Length)];
            Bytes.AsSpan(0, Length).CopyTo(bigger);
            Bytes = bigger;
        }

        data.CopyTo(Bytes.AsSpan(Length));
        Length += data.Length;
    }
}

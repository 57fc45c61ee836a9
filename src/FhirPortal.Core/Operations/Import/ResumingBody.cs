namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// The body of a URL input that survives a dropped connection: when a read fails (the connection broke off, the body
/// ended before its length), the URL is requested again from the byte the reader got to, as a Range request when the
/// server honours one, else from its start with the bytes already read skipped; at most <c>retries</c> times in all,
/// then the read fails. A stall (<see cref="StalledException"/>) is not retried: it already waited the request timeout.
/// </summary>
internal sealed class ResumingBody : Stream
{
    /// <summary>Requests the input from <c>offset</c>: the body, and whether it starts there (a 206) or at the input's start.</summary>
    public delegate Task<(Stream Body, bool FromOffset)> Request(long offset, CancellationToken ct);

    private readonly Request _request;
    private readonly int _retries;
    private Stream? _body;
    private long _position;
    private int _resumed;

    private ResumingBody(Request request, Stream body, long position, int retries) =>
        (_request, _body, _position, _retries) = (request, body, position, retries);

    /// <summary>Opens the input at <paramref name="offset"/> if the server can (then <c>Positioned</c>), else at its start.</summary>
    public static async Task<(Stream Stream, bool Positioned)> OpenAsync(Request request, long offset, int retries, CancellationToken ct)
    {
        var (body, fromOffset) = await request(offset, ct);
        return (new ResumingBody(request, body, fromOffset ? offset : 0, retries), fromOffset);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (true)
        {
            try
            {
                _body ??= await ReopenAsync(ct);
                var read = await _body.ReadAsync(buffer, ct);
                _position += read;
                return read;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && e is not StalledException && !ct.IsCancellationRequested)
            {
                if (_body is not null) await _body.DisposeAsync();
                _body = null;
                if (_resumed == _retries)
                    throw new IOException($"{e.Message} (the input was requested again {_retries} time(s); giving up at byte {_position:N0})", e);
                _resumed++;
                await Task.Delay(TimeSpan.FromMilliseconds(200 * _resumed), ct);
            }
        }
    }

    private async Task<Stream> ReopenAsync(CancellationToken ct)
    {
        var (body, fromOffset) = await _request(_position, ct);
        if (fromOffset) return body;
        try
        {
            // No Range support: the bytes the reader already has are read again and dropped.
            var skip = new byte[1 << 16];
            for (var left = _position; left > 0;)
            {
                var read = await body.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), ct);
                if (read == 0) throw new IOException($"the input is shorter than the {_position:N0} bytes read before the connection broke off.");
                left -= read;
            }
            return body;
        }
        catch
        {
            await body.DisposeAsync();
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _body?.Dispose();
        base.Dispose(disposing);
    }
}

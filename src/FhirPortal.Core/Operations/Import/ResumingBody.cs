namespace FhirPortal.Core.Operations.Import;

/// <summary>One answer to a request for a URL input: the (decoded) body, the decoded byte it starts at, what the source holds.</summary>
internal sealed record SourceResponse(Stream Body, long From, SourceVersion Version);

/// <summary>
/// The body of a URL input that survives a dropped connection: when a read fails (the connection broke off, the body
/// ended before its length), the URL is requested again from the byte the reader got to, as a Range request when the
/// server honours one, else from its start with the bytes already read skipped; at most <c>retries</c> times in all,
/// then the read fails. Every answer after the first must show the same content (<see cref="SourceVersion"/>), else
/// the read fails with <see cref="SourceChangedException"/> instead of resuming. A stall
/// (<see cref="StalledException"/>) is not retried: it already waited the request timeout.
/// </summary>
internal sealed class ResumingBody : Stream
{
    /// <summary>Requests the input from decoded byte <c>offset</c>, given what it held when first read (null: not known yet).</summary>
    public delegate Task<SourceResponse> Request(long offset, SourceVersion? known, CancellationToken ct);

    private readonly Request _request;
    private readonly int _retries;
    private Stream? _body;
    private long _position;
    private int _resumed;

    private ResumingBody(Request request, long position, SourceVersion? known, int retries) =>
        (_request, _position, Version, _retries) = (request, position, known, retries);

    /// <summary>What the source held when the input was first read (saved with the checkpoint for a later resume).</summary>
    public SourceVersion? Version { get; private set; }

    /// <summary>Opens the input at decoded byte <paramref name="offset"/>; <paramref name="known"/> is the version saved when it was first read.</summary>
    public static async Task<ResumingBody> OpenAsync(Request request, long offset, SourceVersion? known, int retries, CancellationToken ct)
    {
        var body = new ResumingBody(request, offset, known, retries);
        body._body = await body.ReopenAsync(ct);
        return body;
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
            catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException
                && e is not StalledException and not SourceChangedException && !ct.IsCancellationRequested)
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
        var response = await _request(_position, Version, ct);
        var body = response.Body;
        try
        {
            if (Version?.ChangedIn(response.Version) is { } change)
                throw new SourceChangedException($"the source changed while importing ({change}); the input was not resumed.");
            Version ??= response.Version;
            // Not answered from the offset (no Range support, or a content-encoded source whose ranges count stored
            // bytes): the decoded bytes the reader already has are read again and dropped.
            var skip = new byte[1 << 16];
            for (var left = _position - response.From; left > 0;)
            {
                var read = await body.ReadAsync(skip.AsMemory(0, (int)Math.Min(skip.Length, left)), ct);
                if (read == 0) throw new SourceChangedException($"the source changed while importing (it is shorter than the {_position:N0} bytes read before); the input was not resumed.");
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

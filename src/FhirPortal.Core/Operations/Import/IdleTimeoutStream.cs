namespace FhirPortal.Core.Operations.Import;

/// <summary>A read of a URL input that waited longer than the idle timeout (not retried: it already waited that long).</summary>
internal sealed class StalledException(string message, Exception inner) : IOException(message, inner);

/// <summary>
/// A response body that fails with a <see cref="StalledException"/> when one read waits longer than the idle timeout, so a
/// server that sends headers and then stalls cannot hold an import worker forever (HttpClient's own timeout ends with the headers).
/// </summary>
internal sealed class IdleTimeoutStream(Stream inner, IDisposable owner, TimeSpan idle) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(idle);
        try
        {
            return await inner.ReadAsync(buffer, timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new StalledException($"no data arrived for {idle.TotalSeconds:0.#} s (FhirPortal:Import:RequestTimeout).", e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }
        base.Dispose(disposing);
    }
}

using System.Threading.Channels;

namespace FhirPortal.Core.Audit;

/// <summary>
/// The bounded queue between the request path and the audit writer. Adding is a non-blocking write while there is
/// room; when the queue is full the request waits up to <see cref="AuditOptions.FullWait"/> (back-pressure rather
/// than losing the record, as HIPAA prefers), and only then is the record dropped and counted in <see cref="Dropped"/>,
/// which the writer reports as an error.
/// </summary>
public sealed class AuditQueue(AuditOptions options)
{
    private readonly Channel<AccessEvent> _channel = Channel.CreateBounded<AccessEvent>(
        new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private long _dropped;

    public ChannelReader<AccessEvent> Reader => _channel.Reader;

    /// <summary>Records dropped because the queue stayed full (or was closed at shutdown) since start-up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public ValueTask AddAsync(AccessEvent access)
    {
        if (_channel.Writer.TryWrite(access)) return ValueTask.CompletedTask;
        return WaitAsync(access);
    }

    /// <summary>No more records: the writer drains what is queued and stops (a clean shutdown).</summary>
    public void Complete() => _channel.Writer.TryComplete();

    private async ValueTask WaitAsync(AccessEvent access)
    {
        using var timeout = new CancellationTokenSource(options.FullWait);
        try
        {
            await _channel.Writer.WriteAsync(access, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            Interlocked.Increment(ref _dropped);
        }
    }
}

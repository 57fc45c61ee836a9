using System.Text.Json;

namespace FhirPortal.Core.Operations.Export;

/// <summary>
/// Writes a job's NDJSON files: one resource per line, copied from its stored JSON; a type's output moves on to
/// the next file (<c>Type-2.ndjson</c>, ...) before a file would pass the size limit. The file list it keeps is the
/// job state's, so what was saved at the last checkpoint says exactly which bytes are valid.
/// </summary>
internal sealed class NdjsonOutput(string directory, long maxBytes, List<ExportFile> files) : IAsyncDisposable
{
    private FileStream? _stream;
    private ExportFile? _current;

    /// <summary>
    /// Makes the folder agree with the checkpoint: files written after it are deleted, the last file is cut back to
    /// its saved length and reopened for appending.
    /// </summary>
    public void Resume()
    {
        Directory.CreateDirectory(directory);
        var known = files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(directory))
            if (!known.Contains(Path.GetFileName(path))) File.Delete(path);
        if (files.Count == 0) return;
        _current = files[^1];
        _stream = new FileStream(Path.Combine(directory, _current.Name), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16);
        _stream.SetLength(_current.Bytes);
        _stream.Seek(0, SeekOrigin.End);
    }

    public async Task WriteAsync(string type, ReadOnlyMemory<byte> json, CancellationToken ct)
    {
        // Stored JSON is compact; a line break in it would split the record, so such a resource is rewritten compactly.
        if (json.Span.IndexOf((byte)'\n') >= 0) json = Compact(json);
        var length = json.Length + 1;
        if (_stream is null || _current!.Type != type || (_current.Bytes > 0 && _current.Bytes + length > maxBytes))
            await OpenNextAsync(type);
        await _stream!.WriteAsync(json, ct);
        _stream.WriteByte((byte)'\n');
        _current!.Count++;
        _current.Bytes += length;
    }

    /// <summary>Flushes to disk before the state that describes these bytes is saved.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_stream is null) return;
        await _stream.FlushAsync(ct);
        _stream.Flush(flushToDisk: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null) await _stream.DisposeAsync();
    }

    private async Task OpenNextAsync(string type)
    {
        if (_stream is not null) await _stream.DisposeAsync();
        var number = files.Count(f => f.Type == type) + 1;
        _current = new ExportFile { Type = type, Name = $"{type}-{number}.ndjson" };
        files.Add(_current);
        _stream = new FileStream(Path.Combine(directory, _current.Name), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
    }

    private static ReadOnlyMemory<byte> Compact(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.SerializeToUtf8Bytes(document.RootElement);
    }
}

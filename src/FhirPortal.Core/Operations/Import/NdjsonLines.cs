namespace FhirPortal.Core.Operations.Import;

/// <summary>One line of an NDJSON input: its number (1-based), its bytes (null when it was longer than allowed) and the offset after it.</summary>
internal readonly record struct NdjsonLine(long Number, byte[]? Bytes, long EndOffset);

/// <summary>
/// Reads an NDJSON stream line by line as UTF-8 bytes (no string copies), counting lines and byte offsets so a job
/// can save where it is and seek back there. Blank lines are skipped; a line over the limit is returned without bytes.
/// </summary>
internal sealed class NdjsonLines(Stream stream, long firstNumber, long startOffset, int maxLineBytes)
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private long _offset = startOffset, _number = firstNumber - 1;
    private bool _eof;

    /// <summary>The next non-blank line, or null at the end of the stream.</summary>
    public async ValueTask<NdjsonLine?> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            var (bytes, tooLong, ended) = await ReadLineAsync(ct);
            if (ended) return null;
            _number++;
            if (tooLong) return new NdjsonLine(_number, null, _offset);
            if (!IsBlank(bytes!)) return new NdjsonLine(_number, bytes, _offset);
        }
    }

    private async ValueTask<(byte[]? Bytes, bool TooLong, bool Ended)> ReadLineAsync(CancellationToken ct)
    {
        using var line = new MemoryStream();
        var tooLong = false;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var take = (newline < 0 ? _end : newline) - _start;
            if (!tooLong && line.Length + take > maxLineBytes) tooLong = true;
            if (!tooLong) line.Write(_buffer, _start, take);
            _offset += take;
            _start += take;
            if (newline >= 0)
            {
                _start++;
                _offset++;
                return (tooLong ? null : TrimCarriageReturn(line), tooLong, false);
            }
            if (_eof) return line.Length == 0 && !tooLong ? (null, false, true) : (tooLong ? null : TrimCarriageReturn(line), tooLong, false);
            _start = _end = 0;
            var read = await stream.ReadAsync(_buffer, ct);
            if (read == 0) _eof = true;
            _end = read;
        }
    }

    private static byte[] TrimCarriageReturn(MemoryStream line)
    {
        var bytes = line.ToArray();
        return bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes[..^1] : bytes;
    }

    private static bool IsBlank(byte[] bytes) => bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r');
}

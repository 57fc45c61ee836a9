using FhirPortal.DataGen.Generation;

namespace FhirPortal.DataGen.Output;

/// <summary>Bulk Data style output: one <c>{Type}.ndjson</c> file per resource type, one resource per line.</summary>
public sealed class NdjsonWriter(string directory) : IDisposable
{
    private readonly Dictionary<string, Stream> _files = new(StringComparer.Ordinal);

    public long Resources { get; private set; }

    public void Write(IReadOnlyList<GeneratedEntry> entries)
    {
        LiteralReferences.Apply(entries);
        foreach (var entry in entries)
        {
            var type = entry.Resource.TypeName;
            if (!_files.TryGetValue(type, out var file))
            {
                Directory.CreateDirectory(directory);
                _files[type] = file = new FileStream(Path.Combine(directory, type + ".ndjson"), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            }
            file.Write(FhirJson.ToBytes(entry.Resource));
            file.WriteByte((byte)'\n');
            Resources++;
        }
    }

    public void Dispose()
    {
        foreach (var file in _files.Values) file.Dispose();
        _files.Clear();
    }
}

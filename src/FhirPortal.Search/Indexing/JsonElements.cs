using System.Buffers;
using System.Text.Json;

namespace FhirPortal.Search;

/// <summary>
/// A copy of a resource's JSON holding only some of its top-level elements, so a reader that needs a few elements
/// (the access audit's compartment references) parses a few hundred bytes instead of the whole resource.
/// </summary>
public static class JsonElements
{
    /// <summary>
    /// The resource with <c>resourceType</c>, <c>id</c> and the elements named in <paramref name="roots"/> (with their
    /// <c>_name</c> extensions and, for a choice element such as <c>value</c>, every <c>valueX</c>), copied byte for byte.
    /// </summary>
    public static byte[] Keep(ReadOnlySpan<byte> json, IReadOnlySet<string> roots)
    {
        var output = new ArrayBufferWriter<byte>(256);
        output.Write("{"u8);
        var first = true;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        reader.Read(); // the resource's StartObject
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var kept = Kept(reader.GetString()!, roots);
            reader.Read();
            reader.Skip();
            if (!kept) continue;
            if (!first) output.Write(","u8);
            output.Write(json[start..(int)reader.BytesConsumed]);
            first = false;
        }
        output.Write("}"u8);
        return output.WrittenSpan.ToArray();
    }

    private static bool Kept(string name, IReadOnlySet<string> roots)
    {
        if (name is "resourceType" or "id") return true;
        var element = name.StartsWith('_') ? name[1..] : name;
        if (roots.Contains(element)) return true;
        // A choice element is named with its type: value → valueQuantity.
        foreach (var root in roots)
            if (element.Length > root.Length && char.IsUpper(element[root.Length]) && element.StartsWith(root, StringComparison.Ordinal)) return true;
        return false;
    }
}

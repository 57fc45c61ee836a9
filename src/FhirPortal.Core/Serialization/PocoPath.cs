using System.Collections;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>
/// Finds an element of a parsed POCO by where it sat in the body: an SDK issue path (<c>Bundle.entry[0].resource</c>,
/// <c>$this</c>) or the pre-scans' names and indexes (JSON property names, XML element names).
/// </summary>
internal static class PocoPath
{
    /// <summary>The element an SDK parse issue points at.</summary>
    public static object? Find(Base root, string issuePath)
    {
        var parts = issuePath.Split('.');
        // The first part names the root: "$this" or its type.
        if (parts[0] != "$this" && parts[0] != root.TypeName) return null;
        var segments = new List<object>();
        foreach (var part in parts.Skip(1))
        {
            var bracket = part.IndexOf('[');
            segments.Add(bracket < 0 ? part : part[..bracket]);
            if (bracket >= 0 && int.TryParse(part.AsSpan(bracket + 1, part.Length - bracket - 2), out var index)) segments.Add(index);
        }
        return Find(root, segments);
    }

    /// <summary>
    /// The element at these names and indexes. Names are element names or their JSON forms: "_x" is primitive x's
    /// own extensions, "valueQuantity" is choice "value"; XML's index on a single element and its resource-type
    /// wrapper (<c>&lt;contained&gt;&lt;Patient&gt;</c>) lead to the element itself.
    /// </summary>
    public static object? Find(Base root, IEnumerable<object> segments)
    {
        object? current = root;
        foreach (var segment in segments)
        {
            current = (segment, current) switch
            {
                (int index, IList list) => index >= 0 && index < list.Count ? list[index] : null,
                (int index, Base single) => index == 0 ? single : null,
                (string name, Resource resource) when name == resource.TypeName => resource,
                (string name, Base element) => Child(element, name.TrimStart('_')),
                _ => null,
            };
            if (current is null) return null;
        }
        return current;
    }

    private static object? Child(Base element, string name)
    {
        if (element.TryGetValue(name, out var value)) return value;
        foreach (var (elementName, child) in element.EnumerateElements())
        {
            if (child is Base typed && name.Length > elementName.Length && name.StartsWith(elementName, StringComparison.Ordinal)
                && string.Equals(name[elementName.Length..], typed.TypeName, StringComparison.OrdinalIgnoreCase))
                return child;
        }
        return null;
    }
}

using System.Collections;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>Finds the element an SDK parse issue points at (<c>Bundle.entry[0].resource</c>, <c>$this</c>) in the parsed POCO.</summary>
internal static class PocoPath
{
    public static Base? Find(Base root, string path)
    {
        var segments = path.Split('.');
        // The first segment names the root: "$this" or its type.
        if (segments[0] != "$this" && segments[0] != root.TypeName) return null;
        Base? current = root;
        foreach (var segment in segments.Skip(1))
        {
            var bracket = segment.IndexOf('[');
            var name = bracket < 0 ? segment : segment[..bracket];
            if (current is null || !current.TryGetValue(name, out var value)) return null;
            if (bracket >= 0)
            {
                if (value is not IList list || !int.TryParse(segment.AsSpan(bracket + 1, segment.Length - bracket - 2), out var index)
                    || index < 0 || index >= list.Count) return null;
                value = list[index];
            }
            current = value as Base;
        }
        return current;
    }
}

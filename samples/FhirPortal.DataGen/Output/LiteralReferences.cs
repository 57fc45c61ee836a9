using FhirPortal.DataGen.Generation;
using Hl7.Fhir.Model;

namespace FhirPortal.DataGen.Output;

/// <summary>
/// For output outside a transaction (NDJSON): every <c>urn:uuid:</c> reference of a record becomes <c>Type/id</c> of
/// the entry it names; the ids generated with the record stay on the resources.
/// </summary>
public static class LiteralReferences
{
    public static void Apply(IReadOnlyList<GeneratedEntry> entries)
    {
        var byFullUrl = entries.ToDictionary(e => e.FullUrl, e => e.LocalReference, StringComparer.Ordinal);
        foreach (var entry in entries)
            foreach (var reference in References(entry.Resource))
                if (reference.Reference is { } target && byFullUrl.TryGetValue(target, out var local))
                    reference.Reference = local;
    }

    /// <summary>Every Reference inside a resource (contained and nested ones included).</summary>
    public static IEnumerable<ResourceReference> References(Base root)
    {
        var stack = new Stack<Base>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (current is ResourceReference reference) yield return reference;
            foreach (var (_, value) in current.EnumerateElements())
            {
                if (value is Base single) stack.Push(single);
                else if (value is IEnumerable<Base> many)
                    foreach (var item in many) stack.Push(item);
            }
        }
    }
}

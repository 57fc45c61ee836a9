using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// Rewrites references inside a resource: to other entries of the same Bundle (by fullUrl, e.g. <c>urn:uuid:</c>)
/// and conditional references (<c>Organization?identifier=sys|val</c>), which must match exactly one resource.
/// </summary>
internal static class ReferenceRewriter
{
    public static async Task RewriteAsync(Resource resource, IReadOnlyDictionary<string, string> byFullUrl,
        Func<string, Task<string>> resolveConditional, CancellationToken ct)
    {
        foreach (var element in Descendants(resource))
        {
            switch (element)
            {
                case ResourceReference reference when reference.Reference is { } target:
                    if (byFullUrl.TryGetValue(target, out var local)) reference.Reference = local;
                    else if (IsConditional(target)) reference.Reference = await resolveConditional(target);
                    break;
                // uri-typed elements (e.g. Attachment.url) may point at a bundle entry by its urn.
                case FhirUri uri when uri.Value is { } u && u.StartsWith("urn:", StringComparison.Ordinal) && byFullUrl.TryGetValue(u, out var l):
                    uri.Value = l;
                    break;
                case FhirUrl url when url.Value is { } u2 && u2.StartsWith("urn:", StringComparison.Ordinal) && byFullUrl.TryGetValue(u2, out var l2):
                    url.Value = l2;
                    break;
            }
        }
    }

    private static bool IsConditional(string reference)
    {
        var q = reference.IndexOf('?');
        return q > 0 && !reference[..q].Contains('/') && ModelInfo.IsKnownResource(reference[..q]);
    }

    private static IEnumerable<Base> Descendants(Base root)
    {
        var stack = new Stack<Base>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var (_, value) in current.EnumerateElements())
            {
                if (value is Base single) stack.Push(single);
                else if (value is IEnumerable<Base> many)
                    foreach (var item in many) stack.Push(item);
            }
        }
    }
}

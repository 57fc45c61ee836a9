using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// Rewrites references inside a resource: to other entries of the same Bundle (by fullUrl, e.g. <c>urn:uuid:</c>)
/// and conditional references (<c>Organization?identifier=sys|val</c>), which must match exactly one resource.
/// A <c>urn:uuid:</c>/<c>urn:oid:</c> reference that names no entry cannot be resolved (R4 http.html#trules) and is
/// refused rather than stored dangling; in a batch no entry can name another, so every such reference is refused.
/// Each change is recorded in <c>undo</c>, so the caller's Bundle is given back as it came in (and a retry after a lost
/// race resolves again from the original references) without copying the Bundle.
/// </summary>
internal static class ReferenceRewriter
{
    public static async Task RewriteAsync(Resource resource, IReadOnlyDictionary<string, string> byFullUrl,
        Func<string, Task<string>> resolveConditional, Undo undo, CancellationToken ct)
    {
        foreach (var (element, inBundle) in Descendants(resource))
        {
            switch (element)
            {
                case ResourceReference reference when reference.Reference is { } target:
                    if (byFullUrl.TryGetValue(target, out var local)) undo.Set(reference, target, local, (r, v) => r.Reference = v);
                    else if (IsConditional(target)) undo.Set(reference, target, await resolveConditional(target), (r, v) => r.Reference = v);
                    // A Bundle written as a resource (a document) resolves its own urns among its own entries.
                    else if (!inBundle && IsBundleLocal(target))
                        throw FhirOutcomeException.BadRequest(
                            $"The reference '{target}' names no entry of this Bundle (no entry has it as fullUrl).");
                    break;
                // uri-typed elements (e.g. Attachment.url) may point at a bundle entry by its urn.
                case FhirUri uri when uri.Value is { } u && u.StartsWith("urn:", StringComparison.Ordinal) && byFullUrl.TryGetValue(u, out var l):
                    undo.Set(uri, u, l, (e, v) => e.Value = v);
                    break;
                case FhirUrl url when url.Value is { } u2 && u2.StartsWith("urn:", StringComparison.Ordinal) && byFullUrl.TryGetValue(u2, out var l2):
                    undo.Set(url, u2, l2, (e, v) => e.Value = v);
                    break;
            }
        }
    }

    /// <summary>Whether <see cref="RewriteAsync"/> could change or refuse the resource without any fullUrls to resolve (a batch entry).</summary>
    public static bool HasReferencesToResolve(Resource resource) =>
        Descendants(resource).Any(d => d.Element is ResourceReference { Reference: { } target }
            && (IsConditional(target) || !d.InBundle && IsBundleLocal(target)));

    private static bool IsConditional(string reference)
    {
        var q = reference.IndexOf('?');
        return q > 0 && !reference[..q].Contains('/') && ModelInfo.IsKnownResource(reference[..q]);
    }

    private static bool IsBundleLocal(string reference) =>
        reference.StartsWith("urn:uuid:", StringComparison.Ordinal) || reference.StartsWith("urn:oid:", StringComparison.Ordinal);

    /// <summary>Every element of the written resource, and whether it lies inside a Bundle (the resource itself or one it contains).</summary>
    private static IEnumerable<(Base Element, bool InBundle)> Descendants(Base root)
    {
        var stack = new Stack<(Base, bool)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (current, nested) = stack.Pop();
            yield return (current, nested);
            var childrenNested = nested || current is Bundle;
            foreach (var (_, value) in current.EnumerateElements())
            {
                if (value is Base single) stack.Push((single, childrenNested));
                else if (value is IEnumerable<Base> many)
                    foreach (var item in many) stack.Push((item, childrenNested));
            }
        }
    }

    /// <summary>Changes made to the caller's resources, undone in reverse order by <see cref="Dispose"/>.</summary>
    /// <param name="unit">The unit the resources are staged in: once they change back, it must no longer hand them to its write rules.</param>
    public sealed class Undo(UnitOfWork unit) : IDisposable
    {
        private readonly List<Action> _restore = [];

        public void Set<T>(T element, string original, string value, Action<T, string> assign)
        {
            assign(element, value);
            _restore.Add(() => assign(element, original));
        }

        public void Dispose()
        {
            // Undone before the commit runs the write rules: they read the versions' own JSON instead (what is stored).
            if (_restore.Count > 0) unit.ForgetStagedSources();
            for (var i = _restore.Count - 1; i >= 0; i--) _restore[i]();
            _restore.Clear();
        }
    }
}

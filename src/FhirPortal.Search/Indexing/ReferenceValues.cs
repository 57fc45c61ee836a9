using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Reference parameter values: literal references as local targets (versions dropped; an absolute URL ending in
/// Type/id keeps its URL too), external and urn: references as URLs, logical identifiers for <c>:identifier</c>,
/// canonical/uri values as URLs without their <c>|version</c>. Contained ("#id") references are not indexed.
/// </summary>
public static class ReferenceValues
{
    internal static void Add(List<ReferenceIndexValue> target, string param, Base value, int? group = null)
    {
        switch (value)
        {
            case ResourceReference reference:
                AddReference(target, param, reference, group);
                break;
            case Resource resource when !string.IsNullOrEmpty(resource.Id):
                // e.g. Bundle.composition selects the first entry's resource itself.
                target.Add(new(param, resource.TypeName, resource.Id, null, Group: group));
                break;
            case PrimitiveType { JsonValue: not null } primitive and not XHtml:
                var text = primitive.ToString();
                if (string.IsNullOrEmpty(text)) break;
                var bar = text.IndexOf('|');
                target.Add(new(param, null, null, bar >= 0 ? text[..bar] : text, Group: group));
                break;
        }
    }

    private static void AddReference(List<ReferenceIndexValue> target, string param, ResourceReference reference, int? group)
    {
        var idSystem = reference.Identifier?.Value is null ? null : reference.Identifier.System;
        var idValue = reference.Identifier?.Value;
        var literal = reference.Reference;
        string? type = null, id = null, url = null;
        if (!string.IsNullOrWhiteSpace(literal) && !literal.StartsWith('#'))
        {
            if (TryParseLiteral(literal, out var t, out var i, out var absoluteUrl))
                (type, id, url) = (t, i, absoluteUrl);
            else if (IsAbsolute(literal))
                url = literal;
        }
        if (type is null && url is null && idValue is null) return;
        target.Add(new(param, type, id, url, idSystem, idValue, group));
    }

    /// <summary>
    /// Reads "Type/id", "Type/id/_history/v" or an absolute URL ending in those as a local target. For an absolute
    /// URL <paramref name="absoluteUrl"/> is the URL without its version; for a relative reference it is null.
    /// </summary>
    public static bool TryParseLiteral(string reference, out string type, out string id, out string? absoluteUrl)
    {
        type = id = "";
        absoluteUrl = null;
        if (reference.StartsWith("urn:", StringComparison.OrdinalIgnoreCase)) return false;
        var path = reference;
        var query = path.IndexOfAny(['?', '#']);
        if (query >= 0) return false;
        var history = path.IndexOf("/_history", StringComparison.Ordinal);
        if (history >= 0) path = path[..history];
        var slash = path.LastIndexOf('/');
        if (slash <= 0 || slash == path.Length - 1) return false;
        var typeStart = path.LastIndexOf('/', slash - 1) + 1;
        var candidateType = path[typeStart..slash];
        if (!ModelInfo.IsKnownResource(candidateType)) return false;
        type = candidateType;
        id = path[(slash + 1)..];
        if (IsAbsolute(path)) absoluteUrl = path;
        return true;
    }

    private static bool IsAbsolute(string reference) => reference.Contains("://", StringComparison.Ordinal) || reference.StartsWith("urn:", StringComparison.OrdinalIgnoreCase);
}

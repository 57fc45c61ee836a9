using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>Plain text for <c>_text</c> (the narrative) and <c>_content</c> (all string-like values of the resource).</summary>
internal static partial class TextContent
{
    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    /// <summary>The narrative div without tags or entities, whitespace collapsed; null when there is none.</summary>
    public static string? Narrative(Resource resource)
    {
        if (resource is not DomainResource { Text.Div: { Length: > 0 } div }) return null;
        var text = CollapseWhitespace(WebUtility.HtmlDecode(Tag().Replace(div, " ")));
        return text.Length == 0 ? null : text;
    }

    /// <summary>Every string, markdown, code, id and uri-like value in the resource (narrative included), space separated.</summary>
    public static string? Content(Resource resource, string? narrative)
    {
        var builder = new StringBuilder();
        Collect(resource, builder);
        if (narrative is not null) builder.Append(narrative).Append(' ');
        var text = CollapseWhitespace(builder.ToString());
        return text.Length == 0 ? null : text;
    }

    /// <summary>Values already collected in element order (a resource the server writes itself), as <see cref="Content"/> joins them.</summary>
    public static string? Join(IEnumerable<string> values)
    {
        var text = CollapseWhitespace(string.Join(' ', values));
        return text.Length == 0 ? null : text;
    }

    private static void Collect(Base value, StringBuilder builder)
    {
        foreach (var element in value.EnumerateElements())
        {
            if (element.Value is Base single) CollectOne(single, builder);
            else if (element.Value is System.Collections.IEnumerable list)
                foreach (var item in list)
                    if (item is Base b) CollectOne(b, builder);
        }
    }

    private static void CollectOne(Base child, StringBuilder builder)
    {
        switch (child)
        {
            case XHtml or Base64Binary:
                break;
            case FhirString or Markdown or Code or Id or FhirUri or FhirUrl or Canonical or Oid or Uuid:
                if (((PrimitiveType)child).JsonValue is not null) builder.Append(child).Append(' ');
                break;
            case PrimitiveType:
                break;
            default:
                Collect(child, builder);
                break;
        }
    }

    private static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }
}

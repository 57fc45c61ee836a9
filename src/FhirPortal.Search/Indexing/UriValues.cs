using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>Uri parameter values (uri, url, canonical, oid, uuid) exactly as written.</summary>
internal static class UriValues
{
    public static void Add(List<UriIndexValue> target, string param, Base value, int? group = null)
    {
        if (value is PrimitiveType { JsonValue: not null } primitive and not XHtml && primitive.ToString() is { Length: > 0 } text)
            target.Add(new(param, text, group));
    }
}

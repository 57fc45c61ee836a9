using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>String parameter values: each name/address part on its own, and plain string-like primitives.</summary>
internal static class StringValues
{
    public static void Add(List<StringIndexValue> target, string param, Base value, int? group = null)
    {
        switch (value)
        {
            case HumanName name:
                AddText(target, param, name.Family, group);
                foreach (var g in name.Given) AddText(target, param, g, group);
                foreach (var p in name.Prefix) AddText(target, param, p, group);
                foreach (var s in name.Suffix) AddText(target, param, s, group);
                AddText(target, param, name.Text, group);
                break;
            case Address address:
                foreach (var line in address.Line) AddText(target, param, line, group);
                AddText(target, param, address.City, group);
                AddText(target, param, address.District, group);
                AddText(target, param, address.State, group);
                AddText(target, param, address.PostalCode, group);
                AddText(target, param, address.Country, group);
                AddText(target, param, address.Text, group);
                break;
            case XHtml:
                break;
            case PrimitiveType primitive when primitive.JsonValue is not null:
                AddText(target, param, primitive.ToString(), group);
                break;
        }
    }

    private static void AddText(List<StringIndexValue> target, string param, string? text, int? group)
    {
        if (string.IsNullOrWhiteSpace(text)) return;
        target.Add(new(param, StringNormalizer.Normalize(text), text, group));
    }
}

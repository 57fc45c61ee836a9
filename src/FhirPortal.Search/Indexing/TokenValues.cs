using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>
/// Turns the FHIR data types a token parameter can select into (system, code) pairs, with display/text for
/// <c>:text</c> and, for typed identifiers, "<c>param:of-type</c>" values (type system, "type code|value").
/// </summary>
internal static class TokenValues
{
    public static void Add(List<TokenIndexValue> target, string param, Base value, int? group = null)
    {
        switch (value)
        {
            case Identifier identifier:
                if (identifier.Value is null) break;
                target.Add(new(param, identifier.System, identifier.Value, identifier.Type?.Text, group));
                if (identifier.Type is { } idType)
                    foreach (var c in idType.Coding)
                        if (c.Code is not null)
                            target.Add(new($"{param}:of-type", c.System, $"{c.Code}|{identifier.Value}", null, group));
                break;
            case Coding coding:
                if (coding.Code is not null) target.Add(new(param, coding.System, coding.Code, coding.Display, group));
                break;
            case CodeableConcept concept:
                var textCovered = concept.Text is null;
                foreach (var c in concept.Coding)
                {
                    if (c.Code is null) continue;
                    var text = c.Display ?? concept.Text;
                    textCovered |= text == concept.Text;
                    target.Add(new(param, c.System, c.Code, text, group));
                }
                // CodeableConcept.text that no coding row carries still has to be findable with :text.
                if (!textCovered) target.Add(new(param, null, null, concept.Text, group));
                break;
            case ContactPoint contact:
                if (contact.Value is not null) target.Add(new(param, null, contact.Value, null, group));
                break;
            case FhirBoolean b:
                if (b.Value is { } v) target.Add(new(param, null, v ? "true" : "false", null, group));
                break;
            case PrimitiveType primitive:
                // code, string, uri, id and friends: the literal value is the code, with no system.
                if (primitive.JsonValue is not null) target.Add(new(param, null, primitive.ToString(), null, group));
                break;
        }
    }
}

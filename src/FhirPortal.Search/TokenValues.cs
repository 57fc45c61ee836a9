using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>Turns the FHIR data types a token parameter can select into (system, code) pairs.</summary>
internal static class TokenValues
{
    public static void Add(List<TokenIndexValue> target, string param, Base value)
    {
        switch (value)
        {
            case Identifier identifier:
                if (identifier.Value is not null) target.Add(new(param, identifier.System, identifier.Value));
                break;
            case Coding coding:
                if (coding.Code is not null) target.Add(new(param, coding.System, coding.Code));
                break;
            case CodeableConcept concept:
                foreach (var c in concept.Coding)
                    if (c.Code is not null) target.Add(new(param, c.System, c.Code));
                break;
            case ContactPoint contact:
                if (contact.Value is not null) target.Add(new(param, null, contact.Value));
                break;
            case FhirBoolean b:
                if (b.Value is { } v) target.Add(new(param, null, v ? "true" : "false"));
                break;
            case PrimitiveType primitive:
                // code, string, uri, id and friends: the literal value is the code, with no system.
                if (primitive.ObjectValue is not null) target.Add(new(param, null, primitive.ToString()));
                break;
        }
    }
}

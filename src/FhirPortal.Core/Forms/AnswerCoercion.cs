using Hl7.Fhir.Model;
using ItemType = Hl7.Fhir.Model.Questionnaire.QuestionnaireItemType;

namespace FhirPortal.Core.Forms;

/// <summary>
/// Turns values found in the record (FHIRPath results: primitives, names, addresses, codes, whole resources) into
/// answers of an item's type; null when a value cannot answer it.
/// </summary>
internal static class AnswerCoercion
{
    public static DataType? ToAnswer(Base value, ItemType? type) => type switch
    {
        ItemType.String or ItemType.Text => Text(value) is { Length: > 0 } text ? new FhirString(text) : null,
        ItemType.Choice => Coding(value),
        ItemType.OpenChoice => (DataType?)Coding(value) ?? (Text(value) is { Length: > 0 } text ? new FhirString(text) : null),
        ItemType.Boolean => value as FhirBoolean,
        ItemType.Integer => value as Integer,
        ItemType.Decimal => value switch { FhirDecimal d => d, Integer i => new FhirDecimal(i.Value), _ => null },
        ItemType.Date => value switch { Date d => d, FhirDateTime t when t.Value is { Length: >= 4 } v => new Date(v[..Math.Min(10, v.Length)]), _ => null },
        ItemType.DateTime => value switch { FhirDateTime t => t, Date d => new FhirDateTime(d.Value), _ => null },
        ItemType.Time => value as Time,
        ItemType.Url => value switch { FhirUri u => new FhirUri(u.Value), _ => null },
        ItemType.Quantity => value as Quantity,
        ItemType.Attachment => value as Attachment,
        ItemType.Reference => value switch
        {
            ResourceReference r => r,
            Resource { Id: { } id } r => new ResourceReference($"{r.TypeName}/{id}") { Display = Text(r) },
            _ => null,
        },
        _ => null,
    };

    private static Coding? Coding(Base value) => value switch
    {
        Coding c => c,
        CodeableConcept cc => cc.Coding.FirstOrDefault(),
        Code code => new Coding(null, code.Value),
        MedicationStatement { Medication: CodeableConcept m } => m.Coding.FirstOrDefault(),
        MedicationRequest { Medication: CodeableConcept m } => m.Coding.FirstOrDefault(),
        AllergyIntolerance { Code: { } code } => code.Coding.FirstOrDefault(),
        // A code element (Patient.gender) answers with its code; its system is the element's required ValueSet's.
        PrimitiveType { } code when code.ToString() is { Length: > 0 } text && !text.Contains(' ') => new Coding(null, text),
        _ => null,
    };

    /// <summary>How a value reads as text: a name as "given family", an address as its lines and city, a code by its display.</summary>
    public static string? Text(Base value) => value switch
    {
        HumanName n => n.Text ?? string.Join(" ", n.Given.Append(n.Family).Where(p => !string.IsNullOrEmpty(p))),
        Address a => a.Text ?? string.Join(", ", a.Line.Concat([a.City, a.State, a.PostalCode, a.Country]).Where(p => !string.IsNullOrEmpty(p))),
        ContactPoint c => c.Value,
        CodeableConcept cc => cc.Text ?? cc.Coding.Select(c => c.Display ?? c.Code).FirstOrDefault(),
        Coding c => c.Display ?? c.Code,
        ResourceReference r => r.Display ?? r.Reference,
        MedicationStatement { Medication: CodeableConcept m } => Text(m),
        MedicationRequest { Medication: CodeableConcept m } => Text(m),
        AllergyIntolerance { Code: { } code } => Text(code),
        PrimitiveType p => p.ToString(),
        _ => null,
    };
}

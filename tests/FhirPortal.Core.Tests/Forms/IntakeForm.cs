using System.Text;
using FhirPortal.Core.Forms;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Forms;

/// <summary>A hand-made Questionnaire with one item per rule the response checks, and responses to it.</summary>
internal static class IntakeForm
{
    public const string Json = """
    {
      "resourceType": "Questionnaire", "id": "intake", "url": "http://example.org/Questionnaire/intake", "status": "active",
      "item": [
        { "linkId": "name", "type": "string", "required": true, "maxLength": 10 },
        { "linkId": "contact", "type": "group", "required": true, "item": [ { "linkId": "phone", "type": "string", "required": true } ] },
        { "linkId": "smoker", "type": "boolean" },
        { "linkId": "packs", "type": "integer", "required": true, "enableWhen": [ { "question": "smoker", "operator": "=", "answerBoolean": true } ] },
        { "linkId": "weight", "type": "decimal" },
        { "linkId": "dob", "type": "date" },
        { "linkId": "seen", "type": "dateTime" },
        { "linkId": "wake", "type": "time" },
        { "linkId": "notes", "type": "text" },
        { "linkId": "site", "type": "url" },
        { "linkId": "color", "type": "choice", "answerOption": [
            { "valueCoding": { "system": "http://example.org/color", "code": "red" } },
            { "valueCoding": { "system": "http://example.org/color", "code": "blue" } } ] },
        { "linkId": "pet", "type": "open-choice", "answerOption": [ { "valueCoding": { "system": "http://example.org/pet", "code": "dog" } } ] },
        { "linkId": "level", "type": "choice", "answerOption": [ { "valueInteger": 1 }, { "valueInteger": 2 } ] },
        { "linkId": "size", "type": "choice", "answerValueSet": "#sizes" },
        { "linkId": "mood", "type": "choice", "answerValueSet": "http://loinc.org/vs/LL358-3" },
        { "linkId": "height", "type": "quantity" },
        { "linkId": "scan", "type": "attachment" },
        { "linkId": "doctor", "type": "reference" },
        { "linkId": "allergies", "type": "string", "repeats": true },
        { "linkId": "info", "type": "display", "text": "Thank you" },
        { "linkId": "pregnant", "type": "boolean", "item": [ { "linkId": "weeks", "type": "integer", "required": true } ] },
        { "linkId": "age", "type": "integer" },
        { "linkId": "senior", "type": "boolean", "enableBehavior": "all", "enableWhen": [
            { "question": "age", "operator": ">=", "answerInteger": 65 }, { "question": "name", "operator": "exists", "answerBoolean": true } ] },
        { "linkId": "visits", "type": "group", "repeats": true, "item": [ { "linkId": "when", "type": "date" } ] },
        { "linkId": "badge", "type": "string", "readOnly": true }
      ]
    }
    """;

    public static Questionnaire Questionnaire => (Questionnaire)FhirParser.ParseStored(Encoding.UTF8.GetBytes(Json));

    /// <summary>A response with <paramref name="status"/>: name and contact.phone (unless <paramref name="withBase"/> is false), then <paramref name="items"/>.</summary>
    public static QuestionnaireResponse Response(string status, string items, bool withBase = true)
    {
        var all = string.Join(",", new[]
        {
            withBase ? """{ "linkId": "name", "answer": [ { "valueString": "Ann" } ] }, { "linkId": "contact", "item": [ { "linkId": "phone", "answer": [ { "valueString": "555" } ] } ] }""" : "",
            items,
        }.Where(s => s.Length > 0));
        var json = $$"""{ "resourceType": "QuestionnaireResponse", "questionnaire": "http://example.org/Questionnaire/intake", "status": "{{status}}", "item": [ {{all}} ] }""";
        return (QuestionnaireResponse)FhirParser.ParseStored(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The contained #sizes (S, M); any other ValueSet is one the server cannot expand.</summary>
    public sealed class ValueSets : IAnswerValueSets
    {
        public Task<AnswerCodes> CodesAsync(Questionnaire questionnaire, string canonical, CancellationToken ct) =>
            Task.FromResult(canonical == "#sizes"
                ? new AnswerCodes(new HashSet<(string?, string?)> { ("http://example.org/size", "S"), ("http://example.org/size", "M") })
                : new AnswerCodes(null, $"{canonical} is not a ValueSet on this server"));
    }
}

using FhirPortal.Core.Forms;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Tests.Forms;

public sealed class ResponseCheckerTests
{
    private static async Task<List<IssueComponent>> Check(string status, string items, bool withBase = true) =>
        await ResponseChecker.CheckAsync(IntakeForm.Questionnaire, IntakeForm.Response(status, items, withBase), new IntakeForm.ValueSets(), CancellationToken.None);

    private static List<IssueComponent> Errors(List<IssueComponent> issues) => [.. issues.Where(i => i.Severity == IssueSeverity.Error)];

    [Theory]
    [InlineData("")]
    [InlineData("""{ "linkId": "smoker", "answer": [ { "valueBoolean": true } ] }, { "linkId": "packs", "answer": [ { "valueInteger": 2 } ] }""")]
    [InlineData("""{ "linkId": "smoker", "answer": [ { "valueBoolean": false } ] }""")]
    [InlineData("""{ "linkId": "weight", "answer": [ { "valueDecimal": 70.5 } ] }""")]
    [InlineData("""{ "linkId": "dob", "answer": [ { "valueDate": "1980-02-03" } ] }""")]
    [InlineData("""{ "linkId": "seen", "answer": [ { "valueDateTime": "2024-01-02T10:00:00Z" } ] }""")]
    [InlineData("""{ "linkId": "wake", "answer": [ { "valueTime": "07:30:00" } ] }""")]
    [InlineData("""{ "linkId": "notes", "answer": [ { "valueString": "long text" } ] }""")]
    [InlineData("""{ "linkId": "site", "answer": [ { "valueUri": "https://example.org" } ] }""")]
    [InlineData("""{ "linkId": "color", "answer": [ { "valueCoding": { "system": "http://example.org/color", "code": "blue" } } ] }""")]
    [InlineData("""{ "linkId": "pet", "answer": [ { "valueCoding": { "system": "http://example.org/pet", "code": "dog" } } ] }""")]
    [InlineData("""{ "linkId": "pet", "answer": [ { "valueString": "a hamster" } ] }""")]
    [InlineData("""{ "linkId": "level", "answer": [ { "valueInteger": 2 } ] }""")]
    [InlineData("""{ "linkId": "size", "answer": [ { "valueCoding": { "system": "http://example.org/size", "code": "M" } } ] }""")]
    [InlineData("""{ "linkId": "height", "answer": [ { "valueQuantity": { "value": 180, "unit": "cm" } } ] }""")]
    [InlineData("""{ "linkId": "scan", "answer": [ { "valueAttachment": { "contentType": "image/png", "url": "Binary/1" } } ] }""")]
    [InlineData("""{ "linkId": "doctor", "answer": [ { "valueReference": { "reference": "Practitioner/1" } } ] }""")]
    [InlineData("""{ "linkId": "allergies", "answer": [ { "valueString": "nuts" }, { "valueString": "dust" } ] }""")]
    [InlineData("""{ "linkId": "pregnant", "answer": [ { "valueBoolean": true, "item": [ { "linkId": "weeks", "answer": [ { "valueInteger": 12 } ] } ] } ] }""")]
    [InlineData("""{ "linkId": "age", "answer": [ { "valueInteger": 70 } ] }, { "linkId": "senior", "answer": [ { "valueBoolean": true } ] }""")]
    [InlineData("""{ "linkId": "visits", "item": [ { "linkId": "when", "answer": [ { "valueDate": "2024-01-01" } ] } ] }, { "linkId": "visits", "item": [ { "linkId": "when", "answer": [ { "valueDate": "2024-02-01" } ] } ] }""")]
    [InlineData("""{ "linkId": "badge", "answer": [ { "valueString": "set by the clinic" } ] }""")]
    public async Task A_completed_response_that_follows_the_questionnaire_has_no_issues(string items)
    {
        Assert.Empty(await Check("completed", items));
    }

    [Theory]
    // answer types per item type
    [InlineData("""{ "linkId": "weight", "answer": [ { "valueString": "70" } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "weight", IssueType.Invalid)]
    [InlineData("""{ "linkId": "dob", "answer": [ { "valueDateTime": "1980-02-03T10:00:00Z" } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "dob", IssueType.Invalid)]
    [InlineData("""{ "linkId": "smoker", "answer": [ { "valueCoding": { "code": "yes" } } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "smoker", IssueType.Invalid)]
    [InlineData("""{ "linkId": "height", "answer": [ { "valueDecimal": 180 } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "height", IssueType.Invalid)]
    [InlineData("""{ "linkId": "doctor", "answer": [ { "valueString": "Dr. Who" } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "doctor", IssueType.Invalid)]
    [InlineData("""{ "linkId": "color", "answer": [ { "valueString": "red" } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "color", IssueType.Invalid)]
    // answerOption and answerValueSet
    [InlineData("""{ "linkId": "color", "answer": [ { "valueCoding": { "system": "http://example.org/color", "code": "green" } } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "color", IssueType.CodeInvalid)]
    [InlineData("""{ "linkId": "pet", "answer": [ { "valueCoding": { "system": "http://example.org/pet", "code": "cat" } } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "pet", IssueType.CodeInvalid)]
    [InlineData("""{ "linkId": "level", "answer": [ { "valueInteger": 3 } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "level", IssueType.CodeInvalid)]
    [InlineData("""{ "linkId": "size", "answer": [ { "valueCoding": { "system": "http://example.org/size", "code": "XL" } } ] }""", "QuestionnaireResponse.item[2].answer[0].value", "size", IssueType.CodeInvalid)]
    // maxLength, repeats, display items, groups
    [InlineData("""{ "linkId": "name", "answer": [ { "valueString": "Bartholomew the Third" } ] }, { "linkId": "contact", "item": [ { "linkId": "phone", "answer": [ { "valueString": "555" } ] } ] }""", "QuestionnaireResponse.item[0].answer[0].value", "name", IssueType.TooLong, false)]
    [InlineData("""{ "linkId": "weight", "answer": [ { "valueDecimal": 70 }, { "valueDecimal": 71 } ] }""", "QuestionnaireResponse.item[2].answer[1]", "weight", IssueType.Structure)]
    [InlineData("""{ "linkId": "weight", "answer": [ { "valueDecimal": 70 } ] }, { "linkId": "weight", "answer": [ { "valueDecimal": 71 } ] }""", "QuestionnaireResponse.item[3]", "weight", IssueType.Structure)]
    [InlineData("""{ "linkId": "info", "answer": [ { "valueString": "ok" } ] }""", "QuestionnaireResponse.item[2]", "info", IssueType.Structure)]
    [InlineData("""{ "linkId": "visits", "answer": [ { "valueString": "x" } ] }""", "QuestionnaireResponse.item[2].answer[0]", "visits", IssueType.Structure)]
    // linkIds not in the Questionnaire (or not at that place)
    [InlineData("""{ "linkId": "shoe-size", "answer": [ { "valueInteger": 9 } ] }""", "QuestionnaireResponse.item[2]", "shoe-size", IssueType.Structure)]
    [InlineData("""{ "linkId": "phone", "answer": [ { "valueString": "555" } ] }""", "QuestionnaireResponse.item[2]", "phone", IssueType.Structure)]
    [InlineData("""{ "linkId": "visits", "item": [ { "linkId": "weight", "answer": [ { "valueDecimal": 1 } ] } ] }""", "QuestionnaireResponse.item[2].item[0]", "weight", IssueType.Structure)]
    // required items, also nested in groups and under answers
    [InlineData("""{ "linkId": "contact", "item": [ { "linkId": "phone", "answer": [ { "valueString": "555" } ] } ] }""", "QuestionnaireResponse", "name", IssueType.Required, false)]
    [InlineData("""{ "linkId": "name", "answer": [ { "valueString": "Ann" } ] }""", "QuestionnaireResponse", "contact", IssueType.Required, false)]
    [InlineData("""{ "linkId": "name", "answer": [ { "valueString": "Ann" } ] }, { "linkId": "contact", "item": [ ] }""", "QuestionnaireResponse.item[1]", "phone", IssueType.Required, false)]
    [InlineData("""{ "linkId": "name", "answer": [ { "valueString": "Ann" } ] }, { "linkId": "contact", "item": [ { "linkId": "phone" } ] }""", "QuestionnaireResponse.item[1]", "phone", IssueType.Required, false)]
    [InlineData("""{ "linkId": "pregnant", "answer": [ { "valueBoolean": true } ] }""", "QuestionnaireResponse.item[2].answer[0]", "weeks", IssueType.Required)]
    [InlineData("""{ "linkId": "pregnant", "answer": [ { "valueBoolean": false } ] }""", "QuestionnaireResponse.item[2].answer[0]", "weeks", IssueType.Required)]
    // enableWhen: a required item that is enabled, answers of disabled items
    [InlineData("""{ "linkId": "smoker", "answer": [ { "valueBoolean": true } ] }""", "QuestionnaireResponse", "packs", IssueType.Required)]
    [InlineData("""{ "linkId": "smoker", "answer": [ { "valueBoolean": false } ] }, { "linkId": "packs", "answer": [ { "valueInteger": 2 } ] }""", "QuestionnaireResponse.item[3]", "packs", IssueType.BusinessRule)]
    [InlineData("""{ "linkId": "packs", "answer": [ { "valueInteger": 2 } ] }""", "QuestionnaireResponse.item[2]", "packs", IssueType.BusinessRule)]
    [InlineData("""{ "linkId": "age", "answer": [ { "valueInteger": 30 } ] }, { "linkId": "senior", "answer": [ { "valueBoolean": true } ] }""", "QuestionnaireResponse.item[3]", "senior", IssueType.BusinessRule)]
    public async Task A_completed_response_that_breaks_a_rule_gets_an_error_naming_the_item(string items, string expression, string linkId, IssueType code, bool withBase = true)
    {
        var errors = Errors(await Check("completed", items, withBase));
        var error = Assert.Single(errors);
        Assert.Equal(expression, Assert.Single(error.Expression));
        Assert.Contains($"'{linkId}'", error.Diagnostics);
        Assert.Equal(code, error.Code);
        // amended responses are checked as fully as completed ones
        Assert.Equal(errors.Count, Errors(await Check("amended", items, withBase)).Count);
    }

    [Theory]
    [InlineData("in-progress")]
    [InlineData("stopped")]
    public async Task A_draft_is_not_checked_for_completeness(string status)
    {
        Assert.Empty(await Check(status, """{ "linkId": "smoker", "answer": [ { "valueBoolean": true } ] }""", withBase: false));
        Assert.Empty(await Check(status, """{ "linkId": "smoker", "answer": [ { "valueBoolean": false } ] }, { "linkId": "packs", "answer": [ { "valueInteger": 2 } ] }"""));
    }

    [Theory]
    [InlineData("in-progress", """{ "linkId": "weight", "answer": [ { "valueString": "70" } ] }""", "weight")]
    [InlineData("stopped", """{ "linkId": "color", "answer": [ { "valueCoding": { "system": "http://example.org/color", "code": "green" } } ] }""", "color")]
    [InlineData("in-progress", """{ "linkId": "shoe-size", "answer": [ { "valueInteger": 9 } ] }""", "shoe-size")]
    [InlineData("in-progress", """{ "linkId": "weight", "answer": [ { "valueDecimal": 70 }, { "valueDecimal": 71 } ] }""", "weight")]
    public async Task A_draft_is_still_checked_for_structure_and_types(string status, string items, string linkId)
    {
        Assert.Contains($"'{linkId}'", Assert.Single(Errors(await Check(status, items, withBase: false))).Diagnostics);
    }

    [Fact]
    public async Task An_entered_in_error_response_is_not_checked()
    {
        Assert.Empty(await Check("entered-in-error", """{ "linkId": "shoe-size", "answer": [ { "valueInteger": 9 } ] }""", withBase: false));
    }

    [Fact]
    public async Task An_answer_from_a_value_set_the_server_cannot_expand_is_a_warning_not_an_error()
    {
        var issue = Assert.Single(await Check("completed", """{ "linkId": "mood", "answer": [ { "valueCoding": { "system": "http://loinc.org", "code": "LA6568-5" } } ] }"""));
        Assert.Equal(IssueSeverity.Warning, issue.Severity);
        Assert.Contains("http://loinc.org/vs/LL358-3", issue.Diagnostics);
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Forms;

/// <summary>
/// A QuestionnaireResponse is checked against its Questionnaire on every write (POST, PUT, transactions) and by
/// $validate, with the official R4 Questionnaire examples as the forms.
/// </summary>
public sealed class QuestionnaireResponseCheckTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public QuestionnaireResponseCheckTests() => _client = _host.CreateFhirClient();
    public void Dispose() => _host.Dispose();

    private async Task StoreFormsAsync()
    {
        foreach (var file in new[] { "Questionnaire-gcs.json", "Questionnaire-bb.json", "Questionnaire-f201.json", "Questionnaire-3141.json",
                     "Questionnaire-phq-9-questionnaire.json", "Questionnaire-zika-virus-exposure-assessment.json" })
            await FormExamples.PutAsync(_client, FormExamples.Read(file));
    }

    /// <summary>
    /// The official responses against the official forms they answer: gcs conforms; the others were written for other
    /// versions of their forms, and the check finds exactly where they differ (each rule on real input).
    /// </summary>
    [SkippableTheory]
    [InlineData("QuestionnaireResponse-gcs.json", null, "", "conforms")]
    [InlineData("QuestionnaireResponse-f201.json", "Questionnaire/f201", "1.1 3.1 3.2", "1.1 is not in the form; 3.1 and 3.2 are answered with strings, not booleans")]
    [InlineData("QuestionnaireResponse-bb.json", "http://hl7.org/fhir/Questionnaire/bb", "sex vitaminKDose1 vitaminKDose2", "f is no answerOption (F); the form spells vitaminiKDose")]
    [InlineData("QuestionnaireResponse-3141.json", "http://hl7.org/fhir/Questionnaire/3141", "1.1 1.1.1", "1.1: a code outside yesnodontknow; 1.1.1 is answered though disabled (it needs v2-0136 Y)")]
    public async Task Official_response_examples_are_checked_against_their_official_questionnaires(string file, string? questionnaire, string linkIds, string why)
    {
        await StoreFormsAsync();
        var response = FormExamples.Read(file);
        if (questionnaire is not null) response["questionnaire"] = questionnaire;
        response.AsObject().Remove("id");
        var created = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(response));
        var outcome = await created.ReadJsonAsync();
        Assert.True(created.StatusCode == (linkIds.Length == 0 ? HttpStatusCode.Created : HttpStatusCode.UnprocessableEntity), $"{why}: {outcome.ToJsonString()}");
        if (linkIds.Length == 0) return;
        Assert.Equal(linkIds.Split(' ').Order(StringComparer.Ordinal), FormExamples.Errors(outcome).Select(e => e.Text.Split('\'')[1]).Distinct().Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task The_official_ussg_fht_draft_is_checked_for_structure_against_the_form_of_its_bundle()
    {
        var bundle = FormExamples.Read("Bundle-ussg-fht.json");
        await FormExamples.PutAsync(_client, bundle["entry"]![0]!["resource"]!.DeepClone(), "ussg-fht");
        var response = FormExamples.Read("QuestionnaireResponse-ussg-fht-answers.json");
        response.AsObject().Remove("id");
        var created = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(response));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, created.StatusCode);
        var outcome = await created.ReadJsonAsync();
        // The draft answers an older layout of the form (2.1.1 groups, 1.1.7.1 items); its LOINC answer lists are not on this server.
        Assert.Equal(["1.1.7.1", "1.1.8.1", "2.1", "2.1.1"], FormExamples.Errors(outcome).Select(e => e.Text.Split('\'')[1]).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(outcome["issue"]!.AsArray(), i => (string)i!["severity"]! == "warning" && ((string)i["diagnostics"]!).Contains("LL1-9"));
    }

    private const string Zika = "http://example.org/Questionnaire/zika-virus-exposure-assessment";

    [SkippableTheory]
    // enableWhen: question 2 is asked only when 1 = false, 3 only when 2 = true
    [InlineData(Zika, "completed", """{ "linkId": "1", "answer": [ { "valueBoolean": true } ] }, { "linkId": "2", "answer": [ { "valueBoolean": true } ] }""", "QuestionnaireResponse.item[1]", "'2'")]
    [InlineData(Zika, "completed", """{ "linkId": "1", "answer": [ { "valueBoolean": false } ] }, { "linkId": "2", "answer": [ { "valueBoolean": false } ] }, { "linkId": "3", "answer": [ { "valueQuantity": { "value": 3, "unit": "days" } } ] }""", "QuestionnaireResponse.item[2]", "'3'")]
    [InlineData(Zika, "in-progress", """{ "linkId": "3", "answer": [ { "valueString": "3 days" } ] }""", "QuestionnaireResponse.item[0].answer[0].value", "'3'")]
    // answerOption in a nested group, answer types, answerValueSet (a ValueSet contained in the Questionnaire)
    [InlineData("Questionnaire/bb", "completed", """{ "linkId": "birthDetails", "item": [ { "linkId": "group", "item": [ { "linkId": "sex", "answer": [ { "valueCoding": { "code": "X" } } ] } ] } ] }""", "QuestionnaireResponse.item[0].item[0].item[0].answer[0].value", "'sex'")]
    [InlineData("Questionnaire/f201", "completed", """{ "linkId": "1", "answer": [ { "valueString": "yes" } ] }""", "QuestionnaireResponse.item[0].answer[0].value", "'1'")]
    [InlineData("Questionnaire/gcs", "completed", """{ "linkId": "1.1", "answer": [ { "valueCoding": { "system": "http://loinc.org", "code": "LA6566-9" } } ] }""", "QuestionnaireResponse.item[0].answer[0].value", "'1.1'")]
    // required items (PHQ-9 requires all ten), linkIds the Questionnaire does not have
    [InlineData("Questionnaire/phq-9-questionnaire", "completed", """{ "linkId": "LittleInterest", "answer": [ { "valueCoding": { "system": "http://loinc.org", "code": "LA6568-5" } } ] }""", "QuestionnaireResponse", "'FeelingDown'")]
    [InlineData("Questionnaire/phq-9-questionnaire", "in-progress", """{ "linkId": "Sleepless", "answer": [ { "valueBoolean": true } ] }""", "QuestionnaireResponse.item[0]", "'Sleepless'")]
    public async Task A_response_that_breaks_its_questionnaire_is_refused_with_422_naming_the_item(string questionnaire, string status, string items, string expression, string linkId)
    {
        await StoreFormsAsync();
        var created = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(FormExamples.Response(questionnaire, status, items)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, created.StatusCode);
        var errors = FormExamples.Errors(await created.ReadJsonAsync());
        Assert.Contains(errors, e => e.Expression == expression && e.Text.Contains(linkId));
    }

    [SkippableTheory]
    [InlineData(Zika, "completed", """{ "linkId": "1", "answer": [ { "valueBoolean": false } ] }, { "linkId": "2", "answer": [ { "valueBoolean": true } ] }, { "linkId": "3", "answer": [ { "valueQuantity": { "value": 3, "unit": "days" } } ] }""")]
    [InlineData("Questionnaire/phq-9-questionnaire", "in-progress", """{ "linkId": "LittleInterest", "answer": [ { "valueCoding": { "system": "http://loinc.org", "code": "LA6568-5" } } ] }""")]
    [InlineData("Questionnaire/gcs", "completed", """{ "linkId": "1.1", "answer": [ { "valueCoding": { "system": "http://loinc.org", "code": "LA6560-2" } } ] }""")]
    public async Task A_response_that_follows_its_questionnaire_is_stored(string questionnaire, string status, string items)
    {
        await StoreFormsAsync();
        var created = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(FormExamples.Response(questionnaire, status, items)));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("http://example.org/Questionnaire/nowhere")]
    [InlineData("http://example.org/Questionnaire/intake|2.0")]
    [InlineData("Questionnaire/missing")]
    public async Task A_response_to_a_questionnaire_the_server_does_not_hold_is_422_naming_it(string canonical)
    {
        await FormExamples.PutAsync(_client, Intake("1.0"));
        var created = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(FormExamples.Response(canonical, "in-progress", "")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, created.StatusCode);
        var error = Assert.Single(FormExamples.Errors(await created.ReadJsonAsync()));
        Assert.Equal("QuestionnaireResponse.questionnaire", error.Expression);
        Assert.Contains(canonical, error.Text);
    }

    [Fact]
    public async Task A_versioned_canonical_picks_that_version_of_the_questionnaire()
    {
        await FormExamples.PutAsync(_client, Intake("1.0", required: false, id: "intake-1"));
        await FormExamples.PutAsync(_client, Intake("2.0", required: true, id: "intake-2"));
        var v1 = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(FormExamples.Response("http://example.org/Questionnaire/intake|1.0", "completed", "")));
        Assert.True(v1.StatusCode == HttpStatusCode.Created, await v1.Content.ReadAsStringAsync());
        var v2 = await _client.PostAsync("QuestionnaireResponse", Fhir.Body(FormExamples.Response("http://example.org/Questionnaire/intake|2.0", "completed", "")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, v2.StatusCode);
    }

    [Fact]
    public async Task Updates_and_transactions_obey_the_questionnaire_too()
    {
        await FormExamples.PutAsync(_client, Intake("1.0"));
        var bad = FormExamples.Response("http://example.org/Questionnaire/intake", "completed", "");
        bad["id"] = "r1";
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _client.PutAsync("QuestionnaireResponse/r1", Fhir.Body(bad))).StatusCode);

        // A Questionnaire and its response in one transaction: the response is checked against the staged Questionnaire.
        var transaction = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = Intake("3.0", id: "intake-3"), ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = "Questionnaire/intake-3" } },
                new JsonObject
                {
                    ["resource"] = FormExamples.Response("http://example.org/Questionnaire/intake|3.0", "completed", ""),
                    ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "QuestionnaireResponse" },
                }),
        };
        var refused = await _client.PostAsync("", Fhir.Body(transaction));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains(FormExamples.Errors(await refused.ReadJsonAsync()), e => e.Text.Contains("'smoker'"));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("Questionnaire/intake-3")).StatusCode);

        transaction["entry"]![1]!["resource"] = FormExamples.Response("http://example.org/Questionnaire/intake|3.0", "completed",
            """{ "linkId": "smoker", "answer": [ { "valueBoolean": false } ] }""");
        var accepted = await _client.PostAsync("", Fhir.Body(transaction));
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task Validate_adds_the_questionnaire_issues_to_its_outcome()
    {
        await StoreFormsAsync();
        var response = FormExamples.Response("Questionnaire/bb", "completed",
            """{ "linkId": "birthDetails", "item": [ { "linkId": "group", "item": [ { "linkId": "sex", "answer": [ { "valueCoding": { "code": "X" } } ] } ] } ] }""");
        var validated = await _client.PostAsync("QuestionnaireResponse/$validate", Fhir.Body(response));
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        var error = Assert.Single(FormExamples.Errors(await validated.ReadJsonAsync()));
        Assert.Equal("QuestionnaireResponse.item[0].item[0].item[0].answer[0].value", error.Expression);
        Assert.Contains("'sex'", error.Text);

        var good = FormExamples.Response("Questionnaire/bb", "completed",
            """{ "linkId": "birthDetails", "item": [ { "linkId": "group", "item": [ { "linkId": "sex", "answer": [ { "valueCoding": { "code": "F" } } ] } ] } ] }""");
        Assert.Empty(FormExamples.Errors(await (await _client.PostAsync("QuestionnaireResponse/$validate", Fhir.Body(good))).ReadJsonAsync()));
    }

    /// <summary>A small form: <c>smoker</c> (boolean, required or not).</summary>
    private static JsonNode Intake(string version, bool required = true, string id = "intake") => JsonNode.Parse($$"""
        { "resourceType": "Questionnaire", "id": "{{id}}", "url": "http://example.org/Questionnaire/intake", "version": "{{version}}", "status": "active",
          "item": [ { "linkId": "smoker", "type": "boolean", "required": {{(required ? "true" : "false")}} } ] }
        """)!;
}

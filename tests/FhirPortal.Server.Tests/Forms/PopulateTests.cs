using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Forms;

/// <summary>
/// Questionnaire/$populate on a Synthea patient (../shared/fixtures/synthea): the answers are compared with values read
/// straight from the patient's bundle; a patient's token populates only for itself.
/// </summary>
public sealed class PopulateTests : IDisposable
{
    private const string PatientFile = "6c8f3e83-c351-ed33-c38d-6be101c275d2.json";
    private const string Sdc = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-initialExpression";
    private const string Core = "http://hl7.org/fhir/StructureDefinition/";
    private readonly FhirPortalHost _host = AccessHost.Create();
    private readonly HttpClient _staff;

    public PopulateTests() => _staff = _host.SystemClient();
    public void Dispose() => _host.Dispose();

    /// <summary>A pre-visit form: identity by definition and initialExpression, contact in a group, medications and allergies, one initial value.</summary>
    private static readonly JsonNode Form = JsonNode.Parse($$"""
        { "resourceType": "Questionnaire", "id": "previsit", "url": "http://example.org/Questionnaire/previsit", "version": "1", "status": "active",
          "item": [
            { "linkId": "name", "type": "string", "extension": [ { "url": "{{Sdc}}", "valueExpression": { "language": "text/fhirpath", "expression": "%patient.name.where(use = 'official').first()" } } ] },
            { "linkId": "birthDate", "type": "date", "definition": "{{Core}}Patient#Patient.birthDate" },
            { "linkId": "gender", "type": "choice", "definition": "{{Core}}Patient#Patient.gender" },
            { "linkId": "contact", "type": "group", "item": [
              { "linkId": "phone", "type": "string", "extension": [ { "url": "{{Sdc}}", "valueExpression": { "language": "text/fhirpath", "expression": "%patient.telecom.where(system = 'phone').value" } } ] },
              { "linkId": "address", "type": "string", "definition": "{{Core}}Patient#Patient.address" } ] },
            { "linkId": "medications", "type": "string", "repeats": true, "extension": [ { "url": "{{Sdc}}", "valueExpression": { "language": "text/fhirpath", "expression": "%medications" } } ] },
            { "linkId": "allergies", "type": "string", "repeats": true, "definition": "{{Core}}AllergyIntolerance#AllergyIntolerance.code" },
            { "linkId": "smoker", "type": "boolean", "initial": [ { "valueBoolean": false } ] },
            { "linkId": "note", "type": "display", "text": "Bring your medication list." }
          ] }
        """)!;

    private async Task<(string Id, JsonNode Bundle)> LoadAsync()
    {
        var folder = SharedFixtures.Require("synthea");
        foreach (var file in Directory.GetFiles(folder, "hospitalInformation*.json").Concat(Directory.GetFiles(folder, "practitionerInformation*.json")).Append(Path.Combine(folder, PatientFile)))
        {
            var loaded = await _staff.PostAsync("", Fhir.Body(await File.ReadAllTextAsync(file)));
            Assert.True(loaded.StatusCode == HttpStatusCode.OK, $"{file}: {(int)loaded.StatusCode}");
        }
        await FormExamples.PutAsync(_staff, Form.DeepClone());
        var bundle = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, PatientFile)))!;
        var family = (string)Resources(bundle, "Patient").Single()["name"]![0]!["family"]!;
        var found = await (await _staff.GetAsync($"Patient?family:exact={Uri.EscapeDataString(family)}")).ReadJsonAsync();
        return ((string)found["entry"]![0]!["resource"]!["id"]!, bundle);
    }

    private static IEnumerable<JsonNode> Resources(JsonNode bundle, string type) =>
        bundle["entry"]!.AsArray().Select(e => e!["resource"]!).Where(r => (string?)r["resourceType"] == type);

    private static JsonNode Item(JsonNode response, params string[] path)
    {
        var items = response["item"]!.AsArray();
        JsonNode? item = null;
        foreach (var linkId in path)
        {
            item = items.Single(i => (string?)i!["linkId"] == linkId)!;
            items = item["item"]?.AsArray() ?? [];
        }
        return item!;
    }

    private static List<string?> Answers(JsonNode item, string value) =>
        [.. (item["answer"]?.AsArray() ?? []).Select(a => a!["valueCoding"] is { } c && value == "valueCoding" ? (string?)c["code"] : (string?)a![value])];

    [SkippableTheory]
    [InlineData("Questionnaire/previsit/$populate", false)]
    [InlineData("Questionnaire/$populate", true)]
    public async Task Populate_fills_the_form_from_a_Synthea_patients_record(string url, bool byCanonical)
    {
        var (id, bundle) = await LoadAsync();
        var parameters = new JsonObject
        {
            ["resourceType"] = "Parameters",
            ["parameter"] = new JsonArray(new JsonObject { ["name"] = "subject", ["valueReference"] = new JsonObject { ["reference"] = $"Patient/{id}" } }),
        };
        if (byCanonical) parameters["parameter"]!.AsArray().Add(new JsonObject { ["name"] = "canonical", ["valueUri"] = "http://example.org/Questionnaire/previsit|1" });

        var populated = await _staff.PostAsync(url, Fhir.Body(parameters));
        var body = await populated.ReadJsonAsync();
        Assert.True(populated.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        var response = body["parameter"]![0]!["resource"]!;

        // Expected values, read from the Synthea bundle itself.
        var patient = Resources(bundle, "Patient").Single();
        var name = patient["name"]!.AsArray().First(n => (string?)n!["use"] == "official")!;
        var medications = Resources(bundle, "MedicationRequest").Where(m => (string?)m["status"] == "active").Select(m => (string?)m["medicationCodeableConcept"]!["text"]).Order().ToList();
        var allergies = Resources(bundle, "AllergyIntolerance").Where(a => (string?)a["clinicalStatus"]!["coding"]![0]!["code"] is not ("inactive" or "resolved"))
            .Select(a => (string?)a["code"]!["text"]).Order().ToList();
        Assert.NotEmpty(medications);
        Assert.NotEmpty(allergies);

        Assert.Equal("in-progress", (string?)response["status"]);
        Assert.Equal($"Patient/{id}", (string?)response["subject"]!["reference"]);
        Assert.Equal("http://example.org/Questionnaire/previsit|1", (string?)response["questionnaire"]);
        Assert.Equal([$"{name["given"]![0]} {name["family"]}"], Answers(Item(response, "name"), "valueString"));
        Assert.Equal([(string?)patient["birthDate"]], Answers(Item(response, "birthDate"), "valueDate"));
        Assert.Equal([(string?)patient["gender"]], Answers(Item(response, "gender"), "valueCoding"));
        Assert.Equal([(string?)patient["telecom"]![0]!["value"]], Answers(Item(response, "contact", "phone"), "valueString"));
        Assert.StartsWith((string)patient["address"]![0]!["line"]![0]!, Answers(Item(response, "contact", "address"), "valueString").Single());
        Assert.Equal(medications, Answers(Item(response, "medications"), "valueString").Order());
        Assert.Equal(allergies, Answers(Item(response, "allergies"), "valueString").Order());
        Assert.Equal("false", Item(response, "smoker")["answer"]![0]!["valueBoolean"]!.ToJsonString());
        Assert.DoesNotContain(response["item"]!.AsArray(), i => (string?)i!["linkId"] == "note");

        // The pre-filled draft is a valid response to the form: it can be stored as it is.
        var stored = await _staff.PostAsync("QuestionnaireResponse", Fhir.Body(response));
        Assert.True(stored.StatusCode == HttpStatusCode.Created, await stored.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_patients_token_populates_only_for_its_own_patient()
    {
        var (id, _) = await LoadAsync();
        var app = _host.ClientWith("patient/Patient.rs patient/MedicationRequest.rs patient/AllergyIntolerance.rs patient/Questionnaire.rs", patient: id);

        var own = await app.GetAsync($"Questionnaire/previsit/$populate?subject=Patient/{id}");
        Assert.True(own.StatusCode == HttpStatusCode.OK, await own.Content.ReadAsStringAsync());
        var response = (await own.ReadJsonAsync())["parameter"]![0]!["resource"]!;
        Assert.NotEmpty(Answers(Item(response, "allergies"), "valueString"));

        var other = await app.GetAsync("Questionnaire/previsit/$populate?subject=Patient/someone-else");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await other.ReadJsonAsync())["resourceType"]);
    }

    [Theory]
    [InlineData("Questionnaire/$populate?subject=Patient/p1", HttpStatusCode.BadRequest)]
    [InlineData("Questionnaire/$populate?canonical=http://example.org/Questionnaire/none&subject=Patient/p1", HttpStatusCode.NotFound)]
    [InlineData("Questionnaire/previsit/$populate", HttpStatusCode.BadRequest)]
    [InlineData("Questionnaire/previsit/$populate?subject=Group/g1", HttpStatusCode.BadRequest)]
    [InlineData("Questionnaire/previsit/$populate?subject=Patient/nobody", HttpStatusCode.NotFound)]
    public async Task Populate_without_a_form_or_patient_it_can_find_is_an_OperationOutcome(string url, HttpStatusCode status)
    {
        await FormExamples.PutAsync(_staff, Form.DeepClone());
        var answer = await _staff.GetAsync(url);
        Assert.Equal(status, answer.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await answer.ReadJsonAsync())["resourceType"]);
    }
}

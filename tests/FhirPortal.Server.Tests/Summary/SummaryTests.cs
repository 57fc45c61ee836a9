using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Summary;

/// <summary>Patient/$summary (IPS) over Synthea patients; the expected section contents are computed from the fixture files.</summary>
public sealed class SummaryTests(SummaryData data) : IClassFixture<SummaryData>
{
    [SkippableFact]
    public async Task Summary_is_a_document_whose_sections_list_the_patients_resources()
    {
        data.RequireLoaded();
        var (id, input) = data.Patients[SummaryData.Full];
        var bundle = await SummaryAsync(data.Staff, id);
        Assert.Equal("document", (string?)bundle["type"]);
        Assert.StartsWith("urn:uuid:", (string?)bundle["identifier"]!["value"]);
        Assert.NotNull((string?)bundle["timestamp"]);
        var entries = bundle["entry"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var composition = entries[0]["resource"]!;
        Assert.Equal("Composition", (string?)composition["resourceType"]);
        Assert.Equal("60591-5", (string?)composition["type"]!["coding"]![0]!["code"]);
        Assert.Equal($"Patient/{id}", (string?)composition["subject"]!["reference"]);
        Assert.Equal("Device", (string?)Resolve(entries, (string)composition["author"]![0]!["reference"]!)["resourceType"]);

        var expected = new Dictionary<string, List<string>>
        {
            ["11450-4"] = Codes(input, "Condition", r => Status(r["clinicalStatus"]) is "active" or "recurrence" or "relapse"),
            ["10160-0"] = Codes(input, "MedicationRequest", r => (string?)r["status"] is "active" or "on-hold"),
            ["48765-2"] = Codes(input, "AllergyIntolerance", r => Status(r["clinicalStatus"]) is not ("inactive" or "resolved")),
            ["11369-6"] = Codes(input, "Immunization", r => (string?)r["status"] == "completed"),
            ["8716-3"] = Codes(input, "Observation", r => Category(r) == "vital-signs").Distinct().Order().ToList(),
            ["30954-2"] = Codes(input, "Observation", r => Category(r) == "laboratory").Distinct().Order().ToList(),
            ["47519-4"] = Codes(input, "Procedure", r => (string?)r["status"] is not ("entered-in-error" or "not-done")),
        };
        Assert.Equal([4, 2, 6], expected.Take(3).Select(e => e.Value.Count));
        var sections = Sections(composition);
        Assert.Equal(expected.Where(e => e.Value.Count > 0).Select(e => e.Key).Order(), sections.Keys.Order());
        foreach (var (code, codes) in expected.Where(e => e.Value.Count > 0))
        {
            var section = sections[code];
            var listed = section["entry"]!.AsArray().Select(e => Resolve(entries, (string)e!["reference"]!)).Select(Code).Order().ToList();
            Assert.True(codes.SequenceEqual(listed), $"{code}: expected {string.Join(",", codes)}, got {string.Join(",", listed)}");
            Assert.Equal("generated", (string?)section["text"]!["status"]);
            Assert.StartsWith("<div xmlns=\"http://www.w3.org/1999/xhtml\">", (string?)section["text"]!["div"]);
            Assert.Null(section["emptyReason"]);
        }
        var medication = input.First(r => (string?)r["resourceType"] == "MedicationRequest" && (string?)r["status"] == "active");
        Assert.Contains((string)medication["medicationCodeableConcept"]!["text"]!, (string)sections["10160-0"]["text"]!["div"]!);
    }

    [SkippableFact]
    public async Task Summary_without_problems_medications_or_allergies_keeps_those_sections_with_an_empty_reason()
    {
        data.RequireLoaded();
        var (id, _) = data.Patients[SummaryData.Sparse];
        var sections = Sections((await SummaryAsync(data.Staff, id))["entry"]![0]!["resource"]!);
        foreach (var code in new[] { "11450-4", "10160-0", "48765-2" })
        {
            Assert.Null(sections[code]["entry"]);
            Assert.Equal("unavailable", (string?)sections[code]["emptyReason"]!["coding"]![0]!["code"]);
            Assert.Contains("No information available.", (string)sections[code]["text"]!["div"]!);
        }
        Assert.Equal(26, sections["11369-6"]["entry"]!.AsArray().Count);
    }

    [Fact]
    public async Task Summary_narrative_escapes_clinical_text()
    {
        await data.PutAsync(new JsonObject { ["resourceType"] = "Patient", ["id"] = "summary-markup" });
        await data.PutAsync(new JsonObject
        {
            ["resourceType"] = "Condition", ["id"] = "summary-markup-c",
            ["subject"] = new JsonObject { ["reference"] = "Patient/summary-markup" },
            ["code"] = new JsonObject { ["text"] = "<script>alert(1)</script> & \"co\"" },
        });
        var bundle = await SummaryAsync(data.Staff, "summary-markup");
        var div = (string)Sections(bundle["entry"]![0]!["resource"]!)["11450-4"]["text"]!["div"]!;
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;", div);
        Assert.DoesNotContain("<script>", div);
    }

    [SkippableFact]
    public async Task Summary_for_a_patient_token_only_of_its_own_patient()
    {
        data.RequireLoaded();
        var (id, _) = data.Patients[SummaryData.Full];
        var app = data.PatientApp(id);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"Patient/{id}/$summary")).StatusCode);
        var other = await app.GetAsync($"Patient/{data.Patients[SummaryData.Sparse].PatientId}/$summary");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await other.ReadJsonAsync())["resourceType"]);
    }

    [Theory]
    [InlineData("Patient/nobody-here/$summary", HttpStatusCode.NotFound)]
    [InlineData("Patient/summary-markup/$summary?identifier=x", HttpStatusCode.BadRequest)]
    [InlineData("Patient/summary-markup/$summary?_download=doc", HttpStatusCode.BadRequest)]
    [InlineData("Patient/summary-markup/$everything?_download=doc", HttpStatusCode.BadRequest)]
    [InlineData("Patient/$everything?_download=pdf", HttpStatusCode.BadRequest)]
    public async Task Summary_and_downloads_refuse_what_they_cannot_answer(string url, HttpStatusCode status)
    {
        await data.PutAsync(new JsonObject { ["resourceType"] = "Patient", ["id"] = "summary-markup" });
        var response = await data.Staff.GetAsync(url);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    private static async Task<JsonNode> SummaryAsync(HttpClient client, string id)
    {
        var response = await client.GetAsync($"Patient/{id}/$summary");
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body;
    }

    private static Dictionary<string, JsonObject> Sections(JsonNode composition) =>
        composition["section"]!.AsArray().ToDictionary(s => (string)s!["code"]!["coding"]![0]!["code"]!, s => s!.AsObject());

    /// <summary>The entry a reference (relative Type/id or urn:uuid) resolves to, by its fullUrl.</summary>
    private static JsonNode Resolve(List<JsonObject> entries, string reference) =>
        entries.Single(e => (string)e["fullUrl"]! == reference || ((string)e["fullUrl"]!).EndsWith("/" + reference, StringComparison.Ordinal))["resource"]!;

    private static List<string> Codes(List<JsonObject> input, string type, Func<JsonObject, bool> where) =>
        input.Where(r => (string?)r["resourceType"] == type && where(r)).Select(Code).Order().ToList();

    private static string Code(JsonNode resource)
    {
        var concept = resource["code"] ?? resource["vaccineCode"] ?? resource["medicationCodeableConcept"];
        return (string?)concept?["coding"]?[0]?["code"] ?? (string?)resource["medicationReference"]?["reference"] ?? "";
    }

    private static string? Status(JsonNode? concept) => (string?)concept?["coding"]?[0]?["code"];

    private static string? Category(JsonObject observation) => (string?)observation["category"]?[0]?["coding"]?[0]?["code"];
}

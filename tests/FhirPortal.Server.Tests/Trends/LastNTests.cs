using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Trends;

/// <summary>Observation/$lastn over a Synthea patient's vital signs; expectations computed from the fixture file.</summary>
public sealed class LastNTests(SyntheaPatientData data) : IClassFixture<SyntheaPatientData>
{
    private const string VitalSigns = "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs";

    [SkippableTheory]
    [InlineData(null)]
    [InlineData(3)]
    public async Task Lastn_returns_the_newest_vital_signs_of_each_code(int? max)
    {
        data.RequireLoaded();
        var expected = Expected(data.OfType("Observation").Where(IsVitalSign), max ?? 1);
        var url = $"Observation/$lastn?patient=Patient/{data.PatientId}&category={VitalSigns}" + (max is null ? "" : $"&max={max}");
        var actual = await LastNAsync(data.Staff, url);
        Assert.Equal(expected, actual);
        Assert.Equal(12, expected.Select(e => e.Code).Distinct().Count());
    }

    [SkippableFact]
    public async Task Lastn_with_codes_groups_by_each_requested_code()
    {
        data.RequireLoaded();
        var codes = new[] { "29463-7", "8867-4" };
        var expected = Expected(data.OfType("Observation").Where(o => codes.Contains(Code(o))), 2);
        var actual = await LastNAsync(data.Staff, $"Observation/$lastn?subject=Patient/{data.PatientId}&code=http://loinc.org|29463-7,http://loinc.org|8867-4&max=2");
        Assert.Equal(expected, actual);
        Assert.Equal(4, actual.Count);
    }

    [SkippableFact]
    public async Task Lastn_for_a_patient_token_needs_its_own_patient()
    {
        data.RequireLoaded();
        var app = data.PatientApp(data.PatientId);
        var missing = await app.GetAsync("Observation/$lastn?category=" + VitalSigns);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await missing.ReadJsonAsync())["resourceType"]);
        var other = await app.GetAsync($"Observation/$lastn?patient={SyntheaPatientData.Other}");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var otherApp = data.PatientApp(SyntheaPatientData.Other);
        var own = await LastNAsync(otherApp, $"Observation/$lastn?patient={SyntheaPatientData.Other}&max=5");
        Assert.Equal([("http://loinc.org|29463-7", DateTimeOffset.Parse("2020-01-01T08:00:00Z"))], own);
    }

    [SkippableTheory]
    [InlineData("max=0")]
    [InlineData("max=x")]
    [InlineData("_sort=date")]
    [InlineData("_count=5")]
    [InlineData("unknown=1")]
    public async Task Lastn_refuses_parameters_it_cannot_use(string parameter)
    {
        var response = await data.Staff.GetAsync($"Observation/$lastn?patient=x&{parameter}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    /// <summary>Per code, the <paramref name="max"/> newest (code, effective) pairs, in a stable order.</summary>
    private static List<(string Code, DateTimeOffset Effective)> Expected(IEnumerable<JsonObject> observations, int max) =>
        observations.GroupBy(Key).SelectMany(g => g.Select(Effective).OrderDescending().Take(max).Select(e => (g.Key, e)))
            .Order().ToList();

    private static async Task<List<(string Code, DateTimeOffset Effective)>> LastNAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("searchset", (string?)body["type"]);
        return (body["entry"]?.AsArray() ?? []).Select(e => e!["resource"]!.AsObject())
            .Select(o => (Key(o), Effective(o))).Order().ToList();
    }

    private static bool IsVitalSign(JsonObject observation) =>
        observation["category"]!.AsArray().Any(c => c!["coding"]!.AsArray().Any(x => (string?)x!["code"] == "vital-signs"));

    private static string Code(JsonObject observation) => (string)observation["code"]!["coding"]![0]!["code"]!;

    private static string Key(JsonObject observation) =>
        $"{observation["code"]!["coding"]![0]!["system"]}|{observation["code"]!["coding"]![0]!["code"]}";

    private static DateTimeOffset Effective(JsonObject observation) => DateTimeOffset.Parse((string)observation["effectiveDateTime"]!);
}

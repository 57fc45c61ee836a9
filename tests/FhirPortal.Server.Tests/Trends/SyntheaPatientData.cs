using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Fixtures;

namespace FhirPortal.Server.Tests.Trends;

/// <summary>
/// A secured host with one Synthea patient from ../shared/fixtures/synthea (<see cref="File"/>: 141 Observations,
/// 108 vital signs, no allergies) loaded after the hospital and practitioner batches, plus a second patient
/// (<see cref="Other"/>) with one weight, for confinement. <see cref="Resources"/> holds the input resources, so
/// the tests compute their expectations from the file, not from the server.
/// </summary>
public class SyntheaPatientData : IAsyncLifetime
{
    public const string File = "728248bf-a984-5d08-efff-c44f98f56435.json";
    public const string Other = "trend-other";
    private readonly string[] _files;

    public SyntheaPatientData() : this(File) { }

    /// <param name="files">Patient bundles to load; the first is <see cref="PatientId"/>/<see cref="Resources"/>.</param>
    protected SyntheaPatientData(params string[] files) => _files = files;

    /// <summary>Every loaded patient bundle: its server patient id and input resources, by file name.</summary>
    public Dictionary<string, (string PatientId, List<JsonObject> Resources)> Patients { get; } = [];

    public string? Folder { get; } = SharedFixtures.Find("synthea");
    public FhirPortalHost Host { get; } = AccessHost.Create();
    public HttpClient Staff { get; private set; } = null!;

    /// <summary>The loaded patient's server id.</summary>
    public string PatientId { get; private set; } = "";

    /// <summary>The input resources of the patient's bundle.</summary>
    public List<JsonObject> Resources { get; } = [];

    public IEnumerable<JsonObject> OfType(string type) => Resources.Where(r => (string?)r["resourceType"] == type);

    /// <summary>A patient app of <paramref name="patient"/> that may read its whole record.</summary>
    public HttpClient PatientApp(string patient) => Host.ClientWith("patient/*.rs", patient: patient);

    public async Task InitializeAsync()
    {
        Staff = Host.SystemClient();
        if (Folder is null) return;
        foreach (var file in SyntheaLoad.LoadOrder(Folder).Where(f => _files.Contains(Path.GetFileName(f)) || !Guid.TryParse(Path.GetFileNameWithoutExtension(f), out _)))
        {
            var text = await System.IO.File.ReadAllTextAsync(file);
            var response = await Staff.PostAsync("", Fhir.Body(text));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (!_files.Contains(Path.GetFileName(file))) continue;
            var answer = await response.ReadJsonAsync();
            var id = ((string)answer["entry"]![0]!["response"]!["location"]!).Split('/')[1];
            Patients[Path.GetFileName(file)] = (id, JsonNode.Parse(text)!["entry"]!.AsArray().Select(e => e!["resource"]!.AsObject()).ToList());
        }
        (PatientId, var resources) = Patients[_files[0]];
        Resources.AddRange(resources);
        await PutAsync(new JsonObject { ["resourceType"] = "Patient", ["id"] = Other, ["name"] = new JsonArray(new JsonObject { ["family"] = "Other" }) });
        await PutAsync(Weight("trend-other-weight", Other, "2020-01-01T08:00:00Z", 70, "kg"));
    }

    public Task DisposeAsync()
    {
        Staff?.Dispose();
        Host.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Skips (or fails in CI) when the fixtures folder is missing.</summary>
    public void RequireLoaded()
    {
        if (Folder is null) throw SharedFixtures.Missing("synthea");
    }

    public async Task PutAsync(JsonObject resource)
    {
        var response = await Staff.PutAsync($"{resource["resourceType"]}/{resource["id"]}", Fhir.Body(resource));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A body-weight Observation (LOINC 29463-7) with a UCUM unit.</summary>
    public static JsonObject Weight(string id, string patient, string when, decimal value, string unit) =>
        Quantity(id, patient, when, "29463-7", "Body weight", value, unit);

    public static JsonObject Quantity(string id, string patient, string when, string loinc, string display, decimal value, string unit) => new()
    {
        ["resourceType"] = "Observation", ["id"] = id, ["status"] = "final",
        ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "vital-signs" }) }),
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = loinc, ["display"] = display }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
        ["effectiveDateTime"] = when,
        ["valueQuantity"] = new JsonObject { ["value"] = value, ["unit"] = unit, ["system"] = "http://unitsofmeasure.org", ["code"] = unit },
    };
}

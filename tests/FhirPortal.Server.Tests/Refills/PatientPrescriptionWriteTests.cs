using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// The refill rules read the prescription, so a patient's app may not write it: no create, no delete, and an update may
/// change only the auto-refill opt-in (403 otherwise); staff still write prescriptions freely.
/// </summary>
public sealed class PatientPrescriptionWriteTests : IDisposable
{
    private const string OptIn = "http://fhirportal.org/fhir/StructureDefinition/auto-refill";
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    private HttpClient PatientWriter() =>
        _data.Host.ClientWith("patient/MedicationRequest.cruds patient/Task.crus", patient: "p1");

    private async Task<JsonObject> ReadAsync(string id) =>
        (await (await _data.Staff.GetAsync($"MedicationRequest/{id}")).ReadJsonAsync()).AsObject();

    [Theory]
    [InlineData("repeats")]
    [InlineData("medication")]
    [InlineData("supply")]
    [InlineData("status")]
    [InlineData("opt-in and repeats")]
    public async Task A_patient_cannot_change_the_prescription_beyond_the_opt_in(string change)
    {
        await _data.PrescribeAsync("rx1", status: change == "status" ? "stopped" : "active", code: RefillData.ControlledCode, dispensedDaysAgo: [25]);
        var prescription = await ReadAsync("rx1");
        switch (change)
        {
            case "repeats": prescription["dispenseRequest"]!["numberOfRepeatsAllowed"] = 99; break;
            case "medication": prescription["medicationCodeableConcept"] = new JsonObject { ["text"] = "oxycodone" }; break;
            case "supply": prescription["dispenseRequest"]!["expectedSupplyDuration"]!["value"] = 1; break;
            case "status": prescription["status"] = "active"; break;
            default:
                prescription["extension"] = new JsonArray(new JsonObject { ["url"] = OptIn, ["valueBoolean"] = true });
                prescription["dispenseRequest"]!["numberOfRepeatsAllowed"] = 99;
                break;
        }

        var response = await PatientWriter().PutAsync("MedicationRequest/rx1", Fhir.Body(prescription));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("only the automatic refill opt-in", await RefillData.DiagnosticsAsync(response));
        Assert.Equal("1", (string?)(await ReadAsync("rx1"))["meta"]!["versionId"]);
    }

    [Fact]
    public async Task A_patient_cannot_create_or_delete_a_prescription()
    {
        await _data.PrescribeAsync("rx1");
        var created = await ReadAsync("rx1");
        created.Remove("id");
        created.Remove("meta");

        var create = await PatientWriter().PostAsync("MedicationRequest", Fhir.Body(created));
        var delete = await PatientWriter().DeleteAsync("MedicationRequest/rx1");

        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Contains("cannot create prescriptions", await RefillData.DiagnosticsAsync(create));
        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Contains("cannot delete prescriptions", await RefillData.DiagnosticsAsync(delete));
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.GetAsync("MedicationRequest/rx1")).StatusCode);
    }

    [Fact]
    public async Task A_patient_opts_in_and_out_of_automatic_refills()
    {
        await _data.PrescribeAsync("rx1");
        var patient = PatientWriter();
        var prescription = await ReadAsync("rx1");
        prescription["extension"] = new JsonArray(new JsonObject { ["url"] = OptIn, ["valueBoolean"] = true });

        var optIn = await patient.PutAsync("MedicationRequest/rx1", Fhir.Body(prescription));
        Assert.True(optIn.StatusCode == HttpStatusCode.OK, await optIn.Content.ReadAsStringAsync());
        Assert.Single((await (await _data.Staff.GetAsync("MedicationRequest?auto-refill=true")).ReadJsonAsync())["entry"]!.AsArray());

        var optedIn = await ReadAsync("rx1");
        optedIn.Remove("extension");
        var optOut = await patient.PutAsync("MedicationRequest/rx1", Fhir.Body(optedIn));
        Assert.True(optOut.StatusCode == HttpStatusCode.OK, await optOut.Content.ReadAsStringAsync());
        Assert.Null((await (await _data.Staff.GetAsync("MedicationRequest?auto-refill=true")).ReadJsonAsync())["entry"]);
    }

    [Fact]
    public async Task Staff_still_change_a_prescription()
    {
        await _data.PrescribeAsync("rx1");
        var prescription = await ReadAsync("rx1");
        prescription["dispenseRequest"]!["numberOfRepeatsAllowed"] = 5;

        var prescriber = _data.Host.ClientWith("user/MedicationRequest.cruds", fhirUser: "Practitioner/dr1");
        var response = await prescriber.PutAsync("MedicationRequest/rx1", Fhir.Body(prescription));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }
}

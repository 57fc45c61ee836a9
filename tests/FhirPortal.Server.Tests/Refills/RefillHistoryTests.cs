using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// A prescription's refill history in one search: the MedicationRequest with its refill Tasks (<c>_revinclude=Task:focus</c>)
/// and its dispenses (<c>_revinclude=MedicationDispense:prescription</c>); newest first with <c>_sort</c> on each type.
/// </summary>
public sealed class RefillHistoryTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task The_prescription_search_brings_its_refill_Tasks_and_dispenses_to_the_patient()
    {
        await _data.PrescribeAsync("rx1", dispensedDaysAgo: [85, 55]);
        await _data.PrescribeAsync("rx-other", dispensedDaysAgo: [50]);
        var patient = _data.PatientApp("p1");
        var first = await RefillData.CreatedAsync(await RefillData.RequestAsync(patient, "rx1"));
        first["status"] = "cancelled";
        Assert.Equal(HttpStatusCode.OK, (await patient.PutAsync($"Task/{first["id"]}", Fhir.Body(first))).StatusCode);
        _data.Messaging.Clock.Advance(TimeSpan.FromMinutes(5));
        var second = await RefillData.CreatedAsync(await RefillData.RequestAsync(patient, "rx1"));
        await RefillData.CreatedAsync(await RefillData.RequestAsync(patient, "rx-other"));

        var bundle = await (await patient.GetAsync("MedicationRequest?_id=rx1&_revinclude=Task:focus&_revinclude=MedicationDispense:prescription")).ReadJsonAsync();

        var entries = bundle["entry"]!.AsArray().Select(e => (Key: $"{e!["resource"]!["resourceType"]}/{e["resource"]!["id"]}", Mode: (string?)e["search"]!["mode"])).ToList();
        Assert.Equal(["MedicationRequest/rx1"], entries.Where(e => e.Mode == "match").Select(e => e.Key));
        Assert.Equal(new[] { $"MedicationDispense/rx1-fill-0", $"MedicationDispense/rx1-fill-1", $"Task/{first["id"]}", $"Task/{second["id"]}" }.Order(),
            entries.Where(e => e.Mode == "include").Select(e => e.Key).Order());

        var tasksResponse = await patient.GetAsync("Task?focus=MedicationRequest/rx1&_sort=-authored-on");
        var tasks = await tasksResponse.ReadJsonAsync();
        Assert.True(tasksResponse.StatusCode == HttpStatusCode.OK, tasks.ToJsonString());
        Assert.Equal([(string)second["id"]!, (string)first["id"]!], tasks["entry"]!.AsArray().Select(e => (string)e!["resource"]!["id"]!));
        var fillsResponse = await patient.GetAsync("MedicationDispense?prescription=MedicationRequest/rx1&_sort=-whenhandedover");
        var fills = await fillsResponse.ReadJsonAsync();
        Assert.True(fillsResponse.StatusCode == HttpStatusCode.OK, fills.ToJsonString());
        Assert.Equal(["rx1-fill-1", "rx1-fill-0"], fills["entry"]!.AsArray().Select(e => (string)e!["resource"]!["id"]!));
    }
}

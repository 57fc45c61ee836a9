using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Messaging;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// Messaging trusts a refill Task's owner, so a patient cannot choose it: a patient's refill request goes to the
/// prescription's pharmacy (else its prescriber), their cancellation changes only status, statusReason and note, and a
/// message about a refill Task reaches its owner only when that is the prescription's pharmacy or prescriber.
/// </summary>
public sealed class RefillOwnerTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(true, null, "Organization/pharmacy")] // no owner: the pharmacy's
    [InlineData(false, null, "Practitioner/dr1")] // no pharmacy: the prescriber's
    [InlineData(true, "Organization/pharmacy", "Organization/pharmacy")]
    public async Task A_patients_refill_request_goes_to_the_prescriptions_pharmacy_or_prescriber(bool pharmacy, string? given, string owner)
    {
        await _data.PrescribeAsync("rx1", pharmacy: pharmacy);
        var task = RefillData.RefillTask("rx1");
        if (given is not null) task["owner"] = new JsonObject { ["reference"] = given };

        var created = await RefillData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Task", Fhir.Body(task)));

        Assert.Equal(owner, (string?)created["owner"]!["reference"]);
        Assert.Equal(owner, (string?)(await _data.TasksAsync("rx1")).Single()["owner"]!["reference"]);
    }

    [Theory]
    [InlineData(true, "Practitioner/dr2")]
    [InlineData(true, "Practitioner/dr1")] // the prescriber, though the pharmacy handles refills
    [InlineData(false, "Organization/pharmacy")]
    public async Task A_patient_cannot_name_another_owner(bool pharmacy, string given)
    {
        await _data.PrescribeAsync("rx1", pharmacy: pharmacy);
        var task = RefillData.RefillTask("rx1");
        task["owner"] = new JsonObject { ["reference"] = given };

        var response = await _data.PatientApp("p1").PostAsync("Task", Fhir.Body(task));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Task.owner", await RefillData.DiagnosticsAsync(response));
        Assert.Empty(await _data.TasksAsync("rx1"));
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("requester")]
    [InlineData("description")]
    [InlineData("code")]
    public async Task A_patients_cancellation_changes_nothing_but_the_status(string field)
    {
        await _data.PrescribeAsync("rx1");
        var task = await RefillData.CreatedAsync(await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1"));
        task["status"] = "cancelled";
        switch (field)
        {
            case "owner": task["owner"] = new JsonObject { ["reference"] = "Practitioner/dr2" }; break;
            case "requester": task["requester"] = new JsonObject { ["reference"] = "Practitioner/dr2" }; break;
            case "description": task["description"] = "Something else"; break;
            default: task["code"]!["coding"]!.AsArray().Add(new JsonObject { ["system"] = "http://example.org", ["code"] = "x" }); break;
        }

        var response = await _data.PatientApp("p1").PutAsync($"Task/{task["id"]}", Fhir.Body(task));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("only its status", await RefillData.DiagnosticsAsync(response));
        Assert.Equal("requested", (string?)(await _data.TasksAsync("rx1")).Single()["status"]);
    }

    [Theory]
    [InlineData("refill")] // a refill Task of p1's prescription owned by someone else
    [InlineData("not-refill")] // a Task for p1 that is no refill request
    [InlineData("other-prescription")] // a refill Task for p1 of p2's prescription
    public async Task A_message_about_a_Task_reaches_its_owner_only_as_the_prescriptions_pharmacy_or_prescriber(string kind)
    {
        await _data.Messaging.SeedAsync();
        await _data.PrescribeAsync("rx1");
        await _data.PrescribeAsync("rx2", patient: "p2", pharmacy: false);
        var task = kind switch
        {
            "refill" => RefillData.RefillTask("rx1"),
            "other-prescription" => RefillData.RefillTask("rx2"),
            _ => new JsonObject { ["resourceType"] = "Task", ["status"] = "requested", ["intent"] = "order", ["for"] = new JsonObject { ["reference"] = "Patient/p1" } },
        };
        task["for"] = new JsonObject { ["reference"] = "Patient/p1" };
        task["status"] = "completed"; // a record: no refill rules beyond its shape
        task["owner"] = new JsonObject { ["reference"] = "Practitioner/stranger" };
        var stored = await RefillData.CreatedAsync(await _data.Staff.PostAsync("Task", Fhir.Body(task)));
        var message = MessagingData.Message("p1", "Patient/p1", "Practitioner/stranger");
        message["about"] = new JsonArray(new JsonObject { ["reference"] = $"Task/{stored["id"]}" });

        var response = await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(message));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Practitioner/stranger", await RefillData.DiagnosticsAsync(response));
    }
}

using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// A refill request's life: staff move it requested → accepted → in-progress → completed, or end it rejected (with a
/// statusReason) or cancelled; other transitions are 422. Completing records the MedicationDispense in the same write.
/// A patient may read their request and cancel it while it is requested, nothing more.
/// </summary>
public sealed class RefillProgressTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    private async Task<JsonObject> RequestedAsync()
    {
        await _data.PrescribeAsync("rx1", dispensedDaysAgo: [25]);
        return await RefillData.CreatedAsync(await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1"));
    }

    /// <summary>PUTs the Task with another status (and statusReason) and returns the response.</summary>
    private static async Task<HttpResponseMessage> MoveAsync(HttpClient client, JsonObject task, string status, string? reason = null, JsonObject? businessStatus = null)
    {
        var next = task.DeepClone().AsObject();
        next["status"] = status;
        if (reason is not null) next["statusReason"] = new JsonObject { ["text"] = reason };
        if (businessStatus is not null) next["businessStatus"] = businessStatus;
        return await client.PutAsync($"Task/{task["id"]}", Fhir.Body(next));
    }

    [Theory]
    [InlineData("", "accepted", null, HttpStatusCode.OK)]
    [InlineData("accepted", "in-progress", null, HttpStatusCode.OK)]
    [InlineData("accepted,in-progress", "completed", null, HttpStatusCode.OK)]
    [InlineData("", "rejected", "Prescription expired; see your doctor", HttpStatusCode.OK)]
    [InlineData("accepted", "rejected", "Out of stock", HttpStatusCode.OK)]
    [InlineData("accepted", "cancelled", null, HttpStatusCode.OK)]
    [InlineData("", "rejected", null, HttpStatusCode.UnprocessableEntity)] // a rejection says why
    [InlineData("", "in-progress", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("", "completed", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("accepted", "requested", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("accepted,in-progress,completed", "in-progress", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("cancelled", "accepted", null, HttpStatusCode.UnprocessableEntity)]
    [InlineData("accepted,in-progress,completed", "entered-in-error", null, HttpStatusCode.OK)]
    public async Task Staff_move_a_request_only_along_the_refill_workflow(string path, string to, string? reason, HttpStatusCode expected)
    {
        var task = await RequestedAsync();
        var staff = _data.StaffUser();
        foreach (var step in path.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var moved = await MoveAsync(staff, task, step);
            Assert.True(moved.StatusCode == HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
            task = (await moved.ReadJsonAsync()).AsObject();
        }

        var response = await MoveAsync(staff, task, to, reason);

        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected == HttpStatusCode.UnprocessableEntity) Assert.Equal(path.Split(',')[^1] is "" ? "requested" : path.Split(',')[^1], (string?)(await _data.TasksAsync("rx1")).Single()["status"]);
    }

    [Fact]
    public async Task Completing_records_the_fill_as_a_MedicationDispense_in_the_same_write()
    {
        var task = await RequestedAsync();
        var staff = _data.StaffUser();
        foreach (var step in new[] { "accepted", "in-progress" }) task = (await (await MoveAsync(staff, task, step)).ReadJsonAsync()).AsObject();

        var completed = await MoveAsync(staff, task, "completed");

        var stored = (await completed.ReadJsonAsync()).AsObject();
        var output = stored["output"]!.AsArray().Single()!;
        Assert.Equal("dispense", (string?)output["type"]!["coding"]![0]!["code"]);
        var dispense = (await (await _data.Staff.GetAsync((string)output["valueReference"]!["reference"]!)).ReadJsonAsync()).AsObject();
        Assert.Equal("completed", (string?)dispense["status"]);
        Assert.Equal("MedicationRequest/rx1", (string?)dispense["authorizingPrescription"]![0]!["reference"]);
        Assert.Equal("Patient/p1", (string?)dispense["subject"]!["reference"]);
        Assert.Equal(30, (int)dispense["quantity"]!["value"]!);
        Assert.Equal("d", (string?)dispense["daysSupply"]!["code"]);
        Assert.Equal(RefillData.Now, DateTimeOffset.Parse((string)dispense["whenHandedOver"]!));
        Assert.Equal("Organization/pharmacy", (string?)dispense["performer"]![0]!["actor"]!["reference"]);
        // The new fill counts: the next request is too early now.
        var next = await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, next.StatusCode);
        Assert.Contains("too early", await RefillData.DiagnosticsAsync(next));
    }

    [Theory]
    [InlineData("sent-to-pharmacy", HttpStatusCode.OK)]
    [InlineData("ready-for-pickup", HttpStatusCode.OK)]
    [InlineData("shipped", HttpStatusCode.OK)]
    [InlineData("lost-in-the-mail", HttpStatusCode.UnprocessableEntity)]
    public async Task Business_statuses_are_the_portals_codes(string code, HttpStatusCode expected)
    {
        var task = await RequestedAsync();
        var business = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://fhirportal.org/fhir/CodeSystem/portal-task", ["code"] = code }) };
        task["restriction"] = new JsonObject { ["period"] = new JsonObject { ["end"] = "2030-03-12T17:00:00Z" } }; // estimated delivery

        var response = await MoveAsync(_data.StaffUser(), task, "accepted", businessStatus: business);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.OK) Assert.Equal("2030-03-12T17:00:00Z", (string?)(await response.ReadJsonAsync())["restriction"]!["period"]!["end"]);
    }

    [Fact]
    public async Task A_patient_reads_and_cancels_their_requested_Task_but_cannot_advance_it()
    {
        var task = await RequestedAsync();
        var patient = _data.PatientApp("p1");

        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync($"Task/{task["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await MoveAsync(patient, task, "accepted")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _data.PatientApp("p2").GetAsync($"Task/{task["id"]}")).StatusCode);
        var cancelled = await MoveAsync(patient, task, "cancelled", "Found some at home");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (string?)(await cancelled.ReadJsonAsync())["status"]);
    }

    [Fact]
    public async Task A_patient_cannot_cancel_once_staff_accepted_nor_write_other_Tasks()
    {
        var task = await RequestedAsync();
        var accepted = (await (await MoveAsync(_data.StaffUser(), task, "accepted")).ReadJsonAsync()).AsObject();
        var patient = _data.PatientApp("p1");

        var cancel = await MoveAsync(patient, accepted, "cancelled");
        var other = await patient.PostAsync("Task", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Task", ["status"] = "requested", ["intent"] = "order",
            ["for"] = new JsonObject { ["reference"] = "Patient/p1" },
        }));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, cancel.StatusCode);
        Assert.Contains("contact the pharmacy", await RefillData.DiagnosticsAsync(cancel));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }
}

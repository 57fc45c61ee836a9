using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Refills;

/// <summary>
/// <c>MedicationRequest/{id}/$request-refill</c>: the refill Task it creates, the rules that refuse it (422 each with its
/// reason), one open request per prescription (409 naming it), and the same rules for a refill Task written by plain POST.
/// </summary>
public sealed class RequestRefillTests : IDisposable
{
    private readonly RefillData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_patient_requests_a_refill_and_gets_a_Task_for_the_pharmacy()
    {
        await _data.PrescribeAsync("rx1", dispensedDaysAgo: [25]);

        var response = await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1");

        var task = await RefillData.CreatedAsync(response);
        Assert.EndsWith($"/fhir/Task/{task["id"]}/_history/1", response.Headers.Location!.ToString());
        Assert.Equal("requested", (string?)task["status"]);
        Assert.Equal("order", (string?)task["intent"]);
        Assert.Equal("fulfill", (string?)task["code"]!["coding"]![0]!["code"]);
        Assert.Equal("MedicationRequest/rx1", (string?)task["focus"]!["reference"]);
        Assert.Equal("Patient/p1", (string?)task["for"]!["reference"]);
        Assert.Equal("Patient/p1", (string?)task["requester"]!["reference"]);
        Assert.Equal("Organization/pharmacy", (string?)task["owner"]!["reference"]);
        Assert.Equal(RefillData.Now, DateTimeOffset.Parse((string)task["authoredOn"]!));
    }

    [Fact]
    public async Task Without_a_pharmacy_the_prescriber_owns_the_request_and_staff_may_ask_on_the_patients_behalf()
    {
        await _data.PrescribeAsync("rx1", pharmacy: false);

        var task = await RefillData.CreatedAsync(await RefillData.RequestAsync(_data.StaffUser("nurse"), "rx1"));

        Assert.Equal("Practitioner/dr1", (string?)task["owner"]!["reference"]);
        Assert.Equal("Practitioner/nurse", (string?)task["requester"]!["reference"]);
        Assert.Equal("Patient/p1", (string?)task["for"]!["reference"]);
    }

    [Theory]
    [InlineData("stopped", 3, RefillData.PlainCode, new double[] { 25 }, "only an active prescription")]
    [InlineData("completed", 3, RefillData.PlainCode, new double[] { 25 }, "only an active prescription")]
    [InlineData("cancelled", 3, RefillData.PlainCode, new double[] { 25 }, "only an active prescription")]
    [InlineData("on-hold", 3, RefillData.PlainCode, new double[] { 25 }, "only an active prescription")]
    [InlineData("active", 3, RefillData.ControlledCode, new double[] { 25 }, "controlled substance")]
    [InlineData("active", 0, RefillData.PlainCode, new double[] { 25 }, "no refills left")] // the first fill only
    [InlineData("active", 2, RefillData.PlainCode, new double[] { 85, 55, 25 }, "no refills left")] // first fill + 2 refills used
    [InlineData("active", null, RefillData.PlainCode, new double[] { 25 }, "no refills left")] // no repeats allowed
    [InlineData("active", 3, RefillData.PlainCode, new double[] { 40, 10 }, "too early")] // 10 of 30 days: window opens at 22.5
    public async Task A_request_the_rules_refuse_is_a_422_saying_why(string status, int? repeats, string code, double[] dispensed, string reason)
    {
        await _data.PrescribeAsync("rx1", status: status, repeats: repeats, code: code, dispensedDaysAgo: dispensed);

        var response = await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains(reason, await RefillData.DiagnosticsAsync(response));
        Assert.Empty(await _data.TasksAsync("rx1"));
    }

    [Theory]
    [InlineData(3, new double[0])] // never filled: the request is for the first fill
    [InlineData(2, new double[] { 85, 55 })] // one refill used, one left
    [InlineData(3, new double[] { 23 })] // 23 of 30 days: past three quarters
    public async Task A_request_the_rules_allow_is_created(int repeats, double[] dispensed)
    {
        await _data.PrescribeAsync("rx1", repeats: repeats, dispensedDaysAgo: dispensed);

        var response = await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task The_earliest_fraction_is_configurable()
    {
        using var data = new RefillData(new Dictionary<string, string?> { ["FhirPortal:Refills:EarliestFraction"] = "0.25" });
        await data.PrescribeAsync("rx1", dispensedDaysAgo: [10]);

        Assert.Equal(HttpStatusCode.Created, (await RefillData.RequestAsync(data.PatientApp("p1"), "rx1")).StatusCode);
    }

    [Fact]
    public async Task A_second_request_while_one_is_open_is_a_409_naming_the_open_Task()
    {
        await _data.PrescribeAsync("rx1");
        var first = await RefillData.CreatedAsync(await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1"));

        var second = await RefillData.RequestAsync(_data.PatientApp("p1"), "rx1");

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.EndsWith($"/fhir/Task/{first["id"]}", second.Headers.Location!.ToString());
        Assert.Contains($"Task/{first["id"]}", await RefillData.DiagnosticsAsync(second));
        Assert.Single(await _data.TasksAsync("rx1"));
    }

    [Fact]
    public async Task Another_patients_prescription_is_forbidden_and_an_unknown_one_not_found()
    {
        await _data.PrescribeAsync("rx2", patient: "p2");

        Assert.Equal(HttpStatusCode.Forbidden, (await RefillData.RequestAsync(_data.PatientApp("p1"), "rx2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await RefillData.RequestAsync(_data.PatientApp("p1"), "nope")).StatusCode);
        Assert.Empty(await _data.TasksAsync("rx2"));
    }

    [Fact]
    public async Task A_refill_Task_written_by_plain_POST_obeys_the_same_rules()
    {
        await _data.PrescribeAsync("rx1");
        await _data.PrescribeAsync("rx-stopped", status: "stopped");
        var patient = _data.PatientApp("p1");

        var stopped = await patient.PostAsync("Task", Fhir.Body(RefillData.RefillTask("rx-stopped")));
        var first = await patient.PostAsync("Task", Fhir.Body(RefillData.RefillTask("rx1")));
        var second = await _data.Staff.PostAsync("Task", Fhir.Body(RefillData.RefillTask("rx1")));
        var accepted = await patient.PostAsync("Task", Fhir.Body(RefillData.RefillTask("rx1", status: "accepted")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, stopped.StatusCode);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, accepted.StatusCode);
        Assert.Single(await _data.TasksAsync("rx1"));
    }

    [Fact]
    public async Task The_CapabilityStatement_and_Swagger_declare_request_refill()
    {
        await using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null });
        var client = host.CreateFhirClient();

        var metadata = JsonNode.Parse(await client.GetStringAsync("metadata"))!;
        var resource = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "MedicationRequest")!;
        var canonical = (string)resource["operation"]!.AsArray().Single(o => (string?)o!["name"] == "request-refill")!["definition"]!;
        var found = JsonNode.Parse(await client.GetStringAsync($"OperationDefinition?url={Uri.EscapeDataString(canonical)}"))!;
        Assert.Equal("request-refill", (string?)found["entry"]![0]!["resource"]!["code"]);

        var swagger = JsonNode.Parse(await host.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;
        Assert.Contains("/fhir/MedicationRequest/{id}/$request-refill", swagger["paths"]!.AsObject().Select(p => p.Key));
    }
}

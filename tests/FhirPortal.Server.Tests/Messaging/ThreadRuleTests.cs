using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Scheduling;

namespace FhirPortal.Server.Tests.Messaging;

/// <summary>
/// The messaging rules hold in the write path: a patient's plain POST/PUT or transaction of a Communication goes only
/// to their care team, the server sets <c>sent</c> and the thread, and a sent message is immutable for persons;
/// records written by the server or imported by system clients are stored as given.
/// </summary>
public sealed class ThreadRuleTests : IDisposable
{
    private readonly MessagingData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Setting_sent_keeps_the_clients_security_labels_and_profile()
    {
        await _data.SeedAsync();
        var message = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1");
        message["meta"]!["security"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", ["code"] = "R" });

        var created = await MessagingData.SendAsync(_data.PatientApp("p1"), message);
        var stored = (await (await _data.Staff.GetAsync($"Communication/{created["id"]}")).ReadJsonAsync())!;

        Assert.NotNull(stored["sent"]);
        Assert.Equal("R", (string?)stored["meta"]!["security"]![0]!["code"]);
        Assert.Equal("http://fhirportal.org/fhir/StructureDefinition/portal-communication", (string?)stored["meta"]!["profile"]![0]);
    }

    [Theory]
    [InlineData("Practitioner/dr1")]
    [InlineData("CareTeam/team-p1")]
    [InlineData("PractitionerRole/role-nurse")]
    [InlineData("PractitionerRole/role-dr1")]
    [InlineData("Practitioner/nurse")]
    public async Task A_patient_writes_to_a_member_of_their_care_team(string recipient)
    {
        await _data.SeedAsync();

        var created = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Patient/p1", recipient))));

        Assert.Equal(recipient, (string?)created["recipient"]![0]!["reference"]);
    }

    [Theory]
    [InlineData("Practitioner/dr2")]
    [InlineData("CareTeam/team-p2")]
    [InlineData("PractitionerRole/role-dr2")]
    [InlineData("RelatedPerson/stranger")]
    public async Task A_patient_cannot_write_outside_their_care_team(string recipient)
    {
        await _data.SeedAsync();

        var response = await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1", recipient)));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains($"{recipient} is not a member of a care team of Patient/p1", await MessagingData.DiagnosticsAsync(response));
    }

    [Fact]
    public async Task A_patient_cannot_send_as_someone_else()
    {
        await _data.SeedAsync();

        var response = await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Practitioner/dr1", "Practitioner/dr1")));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("only as themselves", await MessagingData.DiagnosticsAsync(response));
    }

    [Fact]
    public async Task A_patients_transaction_to_a_stranger_fails_whole()
    {
        await _data.SeedAsync();
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "transaction",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Communication" } },
                new JsonObject { ["resource"] = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr2"), ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Communication" } }),
        };

        var response = await _data.PatientApp("p1").PostAsync("", Fhir.Body(bundle));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var search = await (await _data.Staff.GetAsync("Communication?subject=Patient/p1")).ReadJsonAsync();
        Assert.Null(search["entry"]);
    }

    [Fact]
    public async Task The_server_sets_sent_on_create_and_in_the_response()
    {
        await _data.SeedAsync();
        var message = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1");
        message["sent"] = "2001-01-01T00:00:00Z";

        var created = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(message)));

        Assert.Equal(MessagingData.Now, DateTimeOffset.Parse((string)created["sent"]!));
        var stored = await (await _data.Staff.GetAsync($"Communication/{created["id"]}")).ReadJsonAsync();
        Assert.Equal((string)created["sent"]!, (string?)stored["sent"]);
    }

    [Fact]
    public async Task Replies_join_the_thread_of_the_first_message()
    {
        await _data.SeedAsync();
        var first = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Patient/p1", "CareTeam/team-p1"))));
        var reply = MessagingData.Message("p1", "Practitioner/dr1", "Patient/p1");
        reply["inResponseTo"] = new JsonArray(new JsonObject { ["reference"] = $"Communication/{first["id"]}" });
        var answer = await MessagingData.CreatedAsync(await _data.PractitionerUser("dr1").PostAsync("Communication", Fhir.Body(reply)));
        var again = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1");
        again["inResponseTo"] = new JsonArray(new JsonObject { ["reference"] = $"Communication/{answer["id"]}" });

        var third = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(again)));

        Assert.Equal($"Communication/{first["id"]}", (string?)answer["partOf"]![0]!["reference"]);
        Assert.Equal($"Communication/{first["id"]}", (string?)third["partOf"]![0]!["reference"]);
        Assert.NotNull(answer["sent"]);
    }

    [Fact]
    public async Task A_patient_cannot_answer_another_patients_message()
    {
        await _data.SeedAsync();
        var other = await MessagingData.CreatedAsync(await _data.PatientApp("p2").PostAsync("Communication", Fhir.Body(MessagingData.Message("p2", "Patient/p2", "Practitioner/dr2"))));
        var reply = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1");
        reply["inResponseTo"] = new JsonArray(new JsonObject { ["reference"] = $"Communication/{other["id"]}" });

        var response = await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(reply));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("inResponseTo", await MessagingData.DiagnosticsAsync(response));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_sent_message_cannot_be_changed_by_a_person(bool bySender)
    {
        await _data.SeedAsync();
        var created = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"))));
        created["payload"]![0]!["contentString"] = "Edited after sending";
        var client = bySender ? _data.PatientApp("p1") : _data.PractitionerUser("dr1");

        var response = await client.PutAsync($"Communication/{created["id"]}", Fhir.Body(created));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("cannot be changed; send a correction as a new message", await MessagingData.DiagnosticsAsync(response));
    }

    [Fact]
    public async Task A_sent_message_cannot_be_deleted_by_its_sender()
    {
        await _data.SeedAsync();
        var created = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"))));

        var response = await _data.PatientApp("p1").DeleteAsync($"Communication/{created["id"]}");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("cannot be deleted", await MessagingData.DiagnosticsAsync(response));
        Assert.Equal(HttpStatusCode.OK, (await _data.Staff.GetAsync($"Communication/{created["id"]}")).StatusCode);
    }

    [Fact]
    public async Task A_system_import_of_message_history_is_stored_as_given()
    {
        await _data.SeedAsync();
        var imported = MessagingData.Message("p1", "Patient/p1", "Practitioner/dr2");
        imported["sent"] = "2020-05-01T10:00:00Z";

        var created = await MessagingData.CreatedAsync(await _data.Staff.PostAsync("Communication", Fhir.Body(imported)));
        created["status"] = "entered-in-error";
        var corrected = await _data.Staff.PutAsync($"Communication/{created["id"]}", Fhir.Body(created));

        Assert.Equal("2020-05-01T10:00:00Z", (string?)created["sent"]);
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
    }

    [Fact]
    public async Task A_patients_booking_still_stores_the_servers_confirmation_message()
    {
        using var scheduling = new SchedulingData();
        var start = SchedulingData.Now.AddDays(2);
        await scheduling.SlotsAsync("dr1", "dr1", start);

        await SchedulingData.AppointmentOfAsync(await scheduling.PatientApp("p1").PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal("p1", "dr1-0"))));

        var messages = await (await scheduling.PatientApp("p1").GetAsync("Communication")).ReadJsonAsync();
        var confirmation = messages["entry"]!.AsArray().Single()!["resource"]!;
        Assert.Equal("appointment", (string?)confirmation["category"]![0]!["coding"]![0]!["code"]);
        Assert.Equal("Patient/p1", (string?)confirmation["recipient"]![0]!["reference"]);
    }

    [Fact]
    public async Task Patient_tokens_never_see_other_patients_messages()
    {
        await _data.SeedAsync();
        var message = await MessagingData.CreatedAsync(await _data.PatientApp("p1").PostAsync("Communication", Fhir.Body(MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"))));

        var read = await _data.PatientApp("p2").GetAsync($"Communication/{message["id"]}");
        var search = await (await _data.PatientApp("p2").GetAsync("Communication")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Null(search["entry"]);
        Assert.Equal(HttpStatusCode.OK, (await _data.PatientApp("p1").GetAsync($"Communication/{message["id"]}")).StatusCode);
    }
}

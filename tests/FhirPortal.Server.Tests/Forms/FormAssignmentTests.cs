using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Forms;

/// <summary>
/// Form assignment: staff create a complete-questionnaire Task for a patient (checked on write); the patient's token
/// reads it; the patient's completed response completes it in the same commit; amending keeps the history.
/// </summary>
public sealed class FormAssignmentTests : IDisposable
{
    private const string TaskCodes = "http://fhirportal.org/fhir/CodeSystem/portal-task";
    private readonly FhirPortalHost _host = AccessHost.Create();
    private readonly HttpClient _staff;

    public FormAssignmentTests() => _staff = _host.SystemClient();
    public void Dispose() => _host.Dispose();

    private HttpClient PatientApp(string patient) =>
        _host.ClientWith("patient/QuestionnaireResponse.cruds patient/Task.rs", patient: patient);

    private async Task SeedAsync()
    {
        await FormExamples.PutAsync(_staff, JsonNode.Parse("""
            { "resourceType": "Questionnaire", "id": "intake", "url": "http://example.org/Questionnaire/intake", "status": "active",
              "item": [ { "linkId": "smoker", "type": "boolean", "required": true } ] }
            """)!);
        await FormExamples.PutAsync(_staff, JsonNode.Parse("""
            { "resourceType": "Questionnaire", "id": "other", "url": "http://example.org/Questionnaire/other", "status": "active",
              "item": [ { "linkId": "note", "type": "string" } ] }
            """)!);
        foreach (var (id, patient) in new[] { ("a1", "p1"), ("a2", "p2") })
            await FormExamples.PutAsync(_staff, JsonNode.Parse($$"""
                { "resourceType": "Appointment", "id": "{{id}}", "status": "proposed", "start": "2030-03-12T09:00:00Z", "end": "2030-03-12T09:30:00Z",
                  "participant": [ { "actor": { "reference": "Patient/{{patient}}" }, "status": "needs-action" } ] }
                """)!);
    }

    private static JsonObject Assignment(string patient = "p1", string focus = "Questionnaire/intake", string? appointment = "Appointment/a1", string? due = "2030-03-11T17:00:00Z")
    {
        var task = new JsonObject
        {
            ["resourceType"] = "Task",
            ["status"] = "requested",
            ["intent"] = "order",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = TaskCodes, ["code"] = "complete-questionnaire" }) },
            ["focus"] = new JsonObject { ["reference"] = focus },
            ["for"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
            ["authoredOn"] = "2030-03-01T10:00:00Z",
        };
        if (appointment is not null) task["basedOn"] = new JsonArray(new JsonObject { ["reference"] = appointment });
        if (due is not null) task["restriction"] = new JsonObject { ["period"] = new JsonObject { ["end"] = due } };
        return task;
    }

    private static JsonNode Completed(string? task, string status = "completed", string patient = "p1") 
    {
        var response = FormExamples.Response("http://example.org/Questionnaire/intake", status, """{ "linkId": "smoker", "answer": [ { "valueBoolean": false } ] }""");
        response["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" };
        if (task is not null) response["basedOn"] = new JsonArray(new JsonObject { ["reference"] = task });
        return response;
    }

    private async Task<JsonNode> CreateAsync(HttpClient client, string type, JsonNode resource)
    {
        var created = await client.PostAsync(type, Fhir.Body(resource));
        var body = await created.ReadJsonAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        return body;
    }

    [Theory]
    [InlineData("p1", "Questionnaire/missing", "Appointment/a1", "2030-03-11T17:00:00Z", "Task.focus")]
    [InlineData("p1", "Patient/p1", "Appointment/a1", "2030-03-11T17:00:00Z", "Task.focus")]
    [InlineData("p1", "Questionnaire/intake", "Appointment/nope", "2030-03-11T17:00:00Z", "Task.basedOn")]
    [InlineData("p1", "Questionnaire/intake", "Appointment/a2", "2030-03-11T17:00:00Z", "Task.basedOn")]
    [InlineData("p1", "Questionnaire/intake", "Appointment/a1", "2030-03-12T09:00:01Z", "Task.restriction.period.end")]
    public async Task An_assignment_that_names_no_stored_form_or_is_due_after_its_appointment_is_422(string patient, string focus, string appointment, string due, string expression)
    {
        await SeedAsync();
        var refused = await _staff.PostAsync("Task", Fhir.Body(Assignment(patient, focus, appointment, due)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal(expression, (string?)(await refused.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
    }

    [Fact]
    public async Task An_assignment_for_someone_other_than_a_patient_is_422()
    {
        await SeedAsync();
        var task = Assignment(appointment: null);
        task["for"] = new JsonObject { ["reference"] = "Practitioner/dr1" };
        var refused = await _staff.PostAsync("Task", Fhir.Body(task));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("Task.for", (string?)(await refused.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
    }

    [Fact]
    public async Task The_patient_reads_their_own_assignment_and_not_another_patients()
    {
        await SeedAsync();
        var mine = await CreateAsync(_staff, "Task", Assignment());
        var theirs = await CreateAsync(_staff, "Task", Assignment("p2", appointment: "Appointment/a2"));
        var app = PatientApp("p1");

        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"Task/{mine["id"]}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await app.GetAsync($"Task/{theirs["id"]}")).StatusCode);
        var found = (await (await app.GetAsync("Task?code=complete-questionnaire")).ReadJsonAsync())["entry"]!.AsArray();
        Assert.Equal((string?)mine["id"], (string?)Assert.Single(found)!["resource"]!["id"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_patients_completed_response_completes_the_assignment_in_the_same_commit(bool namesTheTask)
    {
        await SeedAsync();
        var task = await CreateAsync(_staff, "Task", Assignment());
        var other = await CreateAsync(_staff, "Task", Assignment(focus: "Questionnaire/other", appointment: null));
        var app = PatientApp("p1");

        var draft = await CreateAsync(app, "QuestionnaireResponse", Completed(namesTheTask ? $"Task/{task["id"]}" : null, "in-progress"));
        Assert.Equal("requested", (string?)(await (await _staff.GetAsync($"Task/{task["id"]}")).ReadJsonAsync())["status"]);

        draft["status"] = "completed";
        var done = await app.PutAsync($"QuestionnaireResponse/{draft["id"]}", Fhir.Body(draft));
        Assert.True(done.StatusCode == HttpStatusCode.OK, await done.Content.ReadAsStringAsync());

        var completed = await (await _staff.GetAsync($"Task/{task["id"]}")).ReadJsonAsync();
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal($"QuestionnaireResponse/{draft["id"]}", (string?)completed["output"]![0]!["valueReference"]!["reference"]);
        Assert.Equal("questionnaire-response", (string?)completed["output"]![0]!["type"]!["coding"]![0]!["code"]);
        Assert.Equal((await done.ReadJsonAsync())["meta"]!["lastUpdated"]!.ToString(), completed["meta"]!["lastUpdated"]!.ToString());
        // The assignment of another form stays open.
        Assert.Equal("requested", (string?)(await (await _staff.GetAsync($"Task/{other["id"]}")).ReadJsonAsync())["status"]);
    }

    [Fact]
    public async Task A_response_naming_a_task_that_is_not_its_open_assignment_is_422()
    {
        await SeedAsync();
        var other = await CreateAsync(_staff, "Task", Assignment(focus: "Questionnaire/other", appointment: null));
        var theirs = await CreateAsync(_staff, "Task", Assignment("p2", appointment: "Appointment/a2"));
        foreach (var task in new[] { other, theirs })
        {
            var refused = await PatientApp("p1").PostAsync("QuestionnaireResponse", Fhir.Body(Completed($"Task/{task["id"]}")));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("QuestionnaireResponse.basedOn", (string?)(await refused.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_response_to_a_contained_questionnaire_does_not_complete_an_assignment(bool namesTheTask)
    {
        await SeedAsync();
        var task = await CreateAsync(_staff, "Task", Assignment());
        var response = JsonNode.Parse("""
            { "resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": "#intake",
              "contained": [ { "resourceType": "Questionnaire", "id": "intake", "status": "active" } ],
              "subject": { "reference": "Patient/p1" } }
            """)!;
        if (namesTheTask) response["basedOn"] = new JsonArray(new JsonObject { ["reference"] = $"Task/{task["id"]}" });

        var written = await PatientApp("p1").PostAsync("QuestionnaireResponse", Fhir.Body(response));
        if (namesTheTask)
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, written.StatusCode);
            Assert.Equal("QuestionnaireResponse.basedOn", (string?)(await written.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
        }
        else Assert.Equal(HttpStatusCode.Created, written.StatusCode);
        Assert.Equal("requested", (string?)(await (await _staff.GetAsync($"Task/{task["id"]}")).ReadJsonAsync())["status"]);
    }

    [Fact]
    public async Task A_draft_naming_another_forms_assignment_is_422()
    {
        await SeedAsync();
        var other = await CreateAsync(_staff, "Task", Assignment(focus: "Questionnaire/other", appointment: null));
        var refused = await PatientApp("p1").PostAsync("QuestionnaireResponse", Fhir.Body(Completed($"Task/{other["id"]}", "in-progress")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("QuestionnaireResponse.basedOn", (string?)(await refused.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("entered-in-error")]
    public async Task A_completed_response_is_not_reopened_after_a_delete_or_entered_in_error(string step)
    {
        await SeedAsync();
        var app = PatientApp("p1");
        var response = Completed(null);
        response["id"] = "reopen-" + step;
        var url = $"QuestionnaireResponse/{response["id"]}";
        Assert.Equal(HttpStatusCode.Created, (await app.PutAsync(url, Fhir.Body(response))).StatusCode);
        if (step == "delete") Assert.Equal(HttpStatusCode.NoContent, (await _staff.DeleteAsync(url)).StatusCode);
        else
        {
            response["status"] = "entered-in-error";
            Assert.Equal(HttpStatusCode.OK, (await _staff.PutAsync(url, Fhir.Body(response))).StatusCode);
        }

        response["status"] = "in-progress";
        var reopened = await app.PutAsync(url, Fhir.Body(response));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reopened.StatusCode);
        Assert.Equal("QuestionnaireResponse.status", (string?)(await reopened.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
    }

    [Fact]
    public async Task A_patient_cannot_delete_a_completed_response_but_a_draft()
    {
        await SeedAsync();
        var app = PatientApp("p1");
        var completed = await CreateAsync(app, "QuestionnaireResponse", Completed(null));
        var refused = await app.DeleteAsync($"QuestionnaireResponse/{completed["id"]}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await refused.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync($"QuestionnaireResponse/{completed["id"]}")).StatusCode);

        var draft = await CreateAsync(app, "QuestionnaireResponse", Completed(null, "in-progress"));
        Assert.Equal(HttpStatusCode.NoContent, (await app.DeleteAsync($"QuestionnaireResponse/{draft["id"]}")).StatusCode);
    }

    [Fact]
    public async Task Amending_keeps_the_history_and_does_not_reopen_the_task_and_a_completed_response_is_not_a_draft_again()
    {
        await SeedAsync();
        var task = await CreateAsync(_staff, "Task", Assignment());
        var app = PatientApp("p1");
        var response = await CreateAsync(app, "QuestionnaireResponse", Completed($"Task/{task["id"]}"));
        var completedTask = await (await _staff.GetAsync($"Task/{task["id"]}")).ReadJsonAsync();
        Assert.Equal("completed", (string?)completedTask["status"]);

        response["status"] = "amended";
        response["item"]![0]!["answer"]![0]!["valueBoolean"] = true;
        Assert.Equal(HttpStatusCode.OK, (await app.PutAsync($"QuestionnaireResponse/{response["id"]}", Fhir.Body(response))).StatusCode);
        var history = (await (await app.GetAsync($"QuestionnaireResponse/{response["id"]}/_history")).ReadJsonAsync())["entry"]!.AsArray();
        Assert.Equal(["amended", "completed"], history.Select(e => (string?)e!["resource"]!["status"]));
        Assert.Equal((string?)completedTask["meta"]!["versionId"], (string?)(await (await _staff.GetAsync($"Task/{task["id"]}")).ReadJsonAsync())["meta"]!["versionId"]);

        response["status"] = "in-progress";
        var reopened = await app.PutAsync($"QuestionnaireResponse/{response["id"]}", Fhir.Body(response));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reopened.StatusCode);
        Assert.Equal("QuestionnaireResponse.status", (string?)(await reopened.ReadJsonAsync())["issue"]![0]!["expression"]![0]);
    }
}

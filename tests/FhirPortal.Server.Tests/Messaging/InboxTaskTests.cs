using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Messaging;

/// <summary>
/// The staff inbox: a patient's message gets a Task due in FhirPortal:Messaging:ResponseBusinessDays business days,
/// completed by a reply from the care team (not by the patient's own follow-up).
/// </summary>
public sealed class InboxTaskTests
{
    private static async Task<JsonNode[]> TasksAsync(MessagingData data, string message) =>
        [.. ((await (await data.Staff.GetAsync($"Task?focus=Communication/{message}")).ReadJsonAsync())["entry"]?.AsArray() ?? []).Select(e => e!["resource"]!)];

    [Theory]
    [InlineData(null, "2030-03-11T15:00:00Z")] // Friday 15:00 + 1 business day = Monday
    [InlineData("3", "2030-03-13T15:00:00Z")]
    [InlineData("0", "2030-03-08T15:00:00Z")]
    public async Task A_patients_message_opens_a_Task_due_in_business_days(string? days, string due)
    {
        using var data = new MessagingData(new Dictionary<string, string?> { ["FhirPortal:Messaging:ResponseBusinessDays"] = days });
        await data.SeedAsync();

        var message = await MessagingData.SendAsync(data.PatientApp("p1"), MessagingData.Message("p1", "Patient/p1", "CareTeam/team-p1"));

        var task = Assert.Single(await TasksAsync(data, (string)message["id"]!));
        Assert.Equal("requested", (string?)task["status"]);
        Assert.Equal("order", (string?)task["intent"]);
        Assert.Equal("fulfill", (string?)task["code"]!["coding"]![0]!["code"]);
        Assert.Equal("CareTeam/team-p1", (string?)task["owner"]!["reference"]);
        Assert.Equal("Patient/p1", (string?)task["for"]!["reference"]);
        Assert.Equal(DateTimeOffset.Parse(due), DateTimeOffset.Parse((string)task["restriction"]!["period"]!["end"]!));
    }

    [Fact]
    public async Task A_reply_from_the_care_team_completes_the_Task_and_a_patients_follow_up_does_not()
    {
        using var data = new MessagingData();
        await data.SeedAsync();
        var message = await MessagingData.SendAsync(data.PatientApp("p1"), MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"));
        var followUp = await MessagingData.SendAsync(data.PatientApp("p1"), MessagingData.Reply(message, "p1", "Patient/p1", "Practitioner/dr1"));
        Assert.Equal("requested", (string?)(await TasksAsync(data, (string)message["id"]!)).Single()["status"]);

        var reply = await MessagingData.SendAsync(data.PractitionerUser("dr1"), MessagingData.Reply(message, "p1", "Practitioner/dr1", "Patient/p1"));

        var task = (await TasksAsync(data, (string)message["id"]!)).Single();
        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal($"Communication/{reply["id"]}", (string?)task["output"]![0]!["valueReference"]!["reference"]);
        Assert.Equal("requested", (string?)(await TasksAsync(data, (string)followUp["id"]!)).Single()["status"]);
    }

    [Fact]
    public async Task Staff_messages_and_imports_open_no_Task()
    {
        using var data = new MessagingData();
        await data.SeedAsync();

        var staff = await MessagingData.SendAsync(data.PractitionerUser("dr1"), MessagingData.Message("p1", "Practitioner/dr1", "Patient/p1"));
        var imported = await MessagingData.SendAsync(data.Staff, MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"));

        Assert.Empty(await TasksAsync(data, (string)staff["id"]!));
        Assert.Empty(await TasksAsync(data, (string)imported["id"]!));
    }

    [Fact]
    public async Task A_patient_token_reads_and_finds_only_its_own_patients_Tasks()
    {
        using var data = new MessagingData();
        await data.SeedAsync();
        await MessagingData.SendAsync(data.PatientApp("p1"), MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"));
        var other = await MessagingData.SendAsync(data.PatientApp("p2"), MessagingData.Message("p2", "Patient/p2", "Practitioner/dr2"));
        var othersTask = (await TasksAsync(data, (string)other["id"]!)).Single();
        var p1 = data.PatientApp("p1");

        var found = (await (await p1.GetAsync($"Task?code={Uri.EscapeDataString("http://fhirportal.org/fhir/CodeSystem/portal-task|message-response")}")).ReadJsonAsync())["entry"]!.AsArray();
        var read = await p1.GetAsync($"Task/{othersTask["id"]}");

        Assert.Equal("Patient/p1", (string?)Assert.Single(found)!["resource"]!["for"]!["reference"]);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
    }
}

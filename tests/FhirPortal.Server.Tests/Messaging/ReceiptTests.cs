using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Messaging;

/// <summary>
/// Read receipts: <c>Communication/{id}/$mark-read</c> by a recipient sets <c>received</c> once; others get 403;
/// unread messages are counted by ordinary search (<c>received:missing=true</c>).
/// </summary>
public sealed class ReceiptTests : IDisposable
{
    private readonly MessagingData _data = new();

    public void Dispose() => _data.Dispose();

    private HttpClient Reader(string who) => who.StartsWith("Patient/") ? _data.PatientApp(who[8..]) : _data.PractitionerUser(who[13..]);

    [Theory]
    [InlineData("Practitioner/dr1", "Practitioner/dr1", HttpStatusCode.OK)]
    [InlineData("CareTeam/team-p1", "Practitioner/dr1", HttpStatusCode.OK)]
    [InlineData("PractitionerRole/role-nurse", "Practitioner/nurse", HttpStatusCode.OK)]
    [InlineData("Practitioner/dr1", "Practitioner/dr2", HttpStatusCode.Forbidden)]
    [InlineData("CareTeam/team-p1", "Practitioner/dr2", HttpStatusCode.Forbidden)]
    [InlineData("Practitioner/dr1", "Patient/p1", HttpStatusCode.Forbidden)]
    public async Task Only_a_recipient_can_mark_a_message_read(string recipient, string reader, HttpStatusCode expected)
    {
        await _data.SeedAsync();
        var message = await MessagingData.SendAsync(_data.PatientApp("p1"), MessagingData.Message("p1", "Patient/p1", recipient));

        var response = await Reader(reader).PostAsync($"Communication/{message["id"]}/$mark-read", null);

        Assert.Equal(expected, response.StatusCode);
        var stored = await (await _data.Staff.GetAsync($"Communication/{message["id"]}")).ReadJsonAsync();
        if (expected == HttpStatusCode.OK) Assert.Equal(MessagingData.Now, DateTimeOffset.Parse((string)stored["received"]!));
        else
        {
            Assert.Contains("Only a recipient", await MessagingData.DiagnosticsAsync(response));
            Assert.Null(stored["received"]);
        }
    }

    [Fact]
    public async Task Marking_read_twice_keeps_the_first_time()
    {
        await _data.SeedAsync();
        var message = await MessagingData.SendAsync(_data.PractitionerUser("dr1"), MessagingData.Message("p1", "Practitioner/dr1", "Patient/p1"));
        var first = await (await _data.PatientApp("p1").PostAsync($"Communication/{message["id"]}/$mark-read", null)).ReadJsonAsync();
        _data.Clock.Advance(TimeSpan.FromHours(1));

        var second = await _data.PatientApp("p1").PostAsync($"Communication/{message["id"]}/$mark-read", null);

        var body = await second.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((string?)first["received"], (string?)body["received"]);
        Assert.Equal("2", (string?)body["meta"]!["versionId"]);
    }

    [Fact]
    public async Task Unread_messages_are_counted_with_received_missing()
    {
        await _data.SeedAsync();
        var patient = _data.PatientApp("p1");
        var read = await MessagingData.SendAsync(patient, MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"));
        await MessagingData.SendAsync(patient, MessagingData.Message("p1", "Patient/p1", "Practitioner/dr1"));
        await MessagingData.SendAsync(patient, MessagingData.Message("p1", "Patient/p1", "CareTeam/team-p1"));
        Assert.Equal(HttpStatusCode.OK, (await _data.PractitionerUser("dr1").PostAsync($"Communication/{read["id"]}/$mark-read", null)).StatusCode);

        var unread = await (await _data.PractitionerUser("dr1").GetAsync("Communication?recipient=Practitioner/dr1&received:missing=true&_summary=count")).ReadJsonAsync();
        var readOnes = await (await _data.PractitionerUser("dr1").GetAsync("Communication?recipient=Practitioner/dr1&received:missing=false&_summary=count")).ReadJsonAsync();

        Assert.Equal(1, (int)unread["total"]!);
        Assert.Equal(1, (int)readOnes["total"]!);
    }

    [Fact]
    public async Task The_CapabilityStatement_declares_mark_read_backed_by_a_stored_OperationDefinition()
    {
        using var withDefinitions = new MessagingData(new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null });
        var client = withDefinitions.Host.CreateFhirClient();

        var metadata = JsonNode.Parse(await client.GetStringAsync("metadata"))!;
        var communication = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Communication")!;
        var canonical = (string)communication["operation"]!.AsArray().Single(o => (string?)o!["name"] == "mark-read")!["definition"]!;
        var found = await (await withDefinitions.Staff.GetAsync($"OperationDefinition?url={Uri.EscapeDataString(canonical)}")).ReadJsonAsync();
        var swagger = JsonNode.Parse(await withDefinitions.Host.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

        Assert.Equal("mark-read", (string?)found["entry"]![0]!["resource"]!["code"]);
        Assert.True((bool)found["entry"]![0]!["resource"]!["instance"]!);
        Assert.Contains("/fhir/Communication/{id}/$mark-read", swagger["paths"]!.AsObject().Select(p => p.Key));
        Assert.Contains("/fhir/Binary", swagger["paths"]!.AsObject().Select(p => p.Key));
    }
}

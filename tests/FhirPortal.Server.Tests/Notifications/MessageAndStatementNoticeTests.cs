using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// "New message" notices (only a care team's message sent to a patient, never quoting it) and "statement ready"
/// notices (an Invoice issued for a patient, directly or through its Account), once each.
/// </summary>
public sealed class MessageAndStatementNoticeTests : IDisposable
{
    private readonly NotificationData _data = new();

    public void Dispose() => _data.Dispose();

    private async Task PatientsAsync()
    {
        await _data.PatientAsync("p1", ("email", "p1@example.org", null, null));
        await _data.PatientAsync("p2", ("email", "p2@example.org", null, null));
    }

    [Theory]
    [InlineData("Practitioner/dr1", "Patient/p1", "completed", 1)]
    [InlineData("PractitionerRole/role1", "Patient/p1", "in-progress", 1)]
    [InlineData("Organization/clinic", "Patient/p1", "completed", 1)]
    [InlineData("CareTeam/team1", "Patient/p1", "completed", 1)]
    [InlineData("Patient/p1", "Practitioner/dr1", "completed", 0)]
    [InlineData("Practitioner/dr1", "Practitioner/dr2", "completed", 0)]
    [InlineData("RelatedPerson/mum", "Patient/p1", "completed", 0)]
    [InlineData("Practitioner/dr1", "Patient/p1", "preparation", 0)]
    public async Task Only_a_care_team_message_sent_to_a_patient_queues_a_notice(string sender, string recipient, string status, int notices)
    {
        await PatientsAsync();

        var id = await CreateAsync(Message(sender, recipient, status));

        var queued = await _data.NoticesAsync("&category=general");
        Assert.Equal(notices, queued.Count);
        if (notices == 0) return;
        Assert.Equal(recipient, (string?)queued[0]["recipient"]![0]!["reference"]);
        Assert.Equal($"Communication/{id}", (string?)queued[0]["about"]![0]!["reference"]);
    }

    [Fact]
    public async Task A_draft_message_is_announced_once_when_sent_and_the_notice_never_quotes_it()
    {
        await PatientsAsync();
        var draft = Message("Practitioner/dr1", "Patient/p1", "preparation");
        var id = await CreateAsync(draft);
        Assert.Empty(await _data.NoticesAsync("&category=general"));

        draft["id"] = id;
        draft["status"] = "completed";
        Assert.Equal(HttpStatusCode.OK, (await _data.Client.PutAsync($"Communication/{id}", Fhir.Body(draft))).StatusCode);
        draft["status"] = "completed";
        draft["note"] = new JsonArray(new JsonObject { ["text"] = "filed" });
        Assert.Equal(HttpStatusCode.OK, (await _data.Client.PutAsync($"Communication/{id}", Fhir.Body(draft))).StatusCode);

        var notice = Assert.Single(await _data.NoticesAsync("&category=general"));
        Assert.Equal("You have a new message in your portal.", (string?)notice["payload"]![0]!["contentString"]);
        Assert.Equal(1, await _data.DispatchAsync());
        var mail = await File.ReadAllTextAsync(Assert.Single(NotificationData.Files(_data.MailFolder)));
        Assert.Contains("You have a new message in your portal.", mail);
        Assert.DoesNotContain("potassium", mail);
    }

    [Fact]
    public async Task An_invoice_issued_to_a_patient_queues_one_statement_notice()
    {
        await PatientsAsync();

        // (status written, statement notices in total afterwards)
        foreach (var (status, total) in new[] { ("draft", 0), ("issued", 1), ("issued", 1), ("balanced", 1) })
        {
            await PutAsync(Invoice("inv1", status, subject: "Patient/p1"));
            Assert.Equal(total, (await _data.NoticesAsync("&category=billing")).Count);
        }
        var notice = Assert.Single(await _data.NoticesAsync("&category=billing"));
        Assert.Equal("Patient/p1", (string?)notice["subject"]!["reference"]);
        Assert.Equal("A new statement is ready in your portal.", (string?)notice["payload"]![0]!["contentString"]);
    }

    [Fact]
    public async Task An_invoice_on_an_account_notifies_the_accounts_guarantor()
    {
        await PatientsAsync();
        await PutAsync(new JsonObject
        {
            ["resourceType"] = "Account", ["id"] = "acc1", ["status"] = "active",
            ["subject"] = new JsonArray(new JsonObject { ["reference"] = "Patient/p1" }),
            ["guarantor"] = new JsonArray(new JsonObject { ["party"] = new JsonObject { ["reference"] = "Patient/p2" } }),
        });

        await PutAsync(Invoice("inv1", "issued", account: "Account/acc1"));

        var notice = Assert.Single(await _data.NoticesAsync("&category=billing"));
        Assert.Equal("Patient/p2", (string?)notice["subject"]!["reference"]);
        Assert.Equal("Invoice/inv1", (string?)notice["about"]![0]!["reference"]);
    }

    [Theory]
    [InlineData("2029-12-01T09:00:00Z", 0)]
    [InlineData("2030-03-03T09:00:00Z", 1)]
    public async Task A_message_sent_long_ago_is_history_not_news(string sent, int notices)
    {
        await PatientsAsync();
        var message = Message("Practitioner/dr1", "Patient/p1", "completed");
        message["sent"] = sent;

        await CreateAsync(message);

        Assert.Equal(notices, (await _data.NoticesAsync("&category=general")).Count);
    }

    [Theory]
    [InlineData("2029-12-01", 0)]
    [InlineData("2030-03-01", 1)]
    public async Task An_invoice_dated_long_ago_is_history_not_news(string date, int notices)
    {
        await PatientsAsync();
        var invoice = Invoice("inv1", "issued", subject: "Patient/p1");
        invoice["date"] = date;

        await PutAsync(invoice);

        Assert.Equal(notices, (await _data.NoticesAsync("&category=billing")).Count);
    }

    [Theory]
    [InlineData("NoticeMaxAge")]
    [InlineData("ResultNoticeMaxAge")] // the former name still works
    public async Task The_notice_age_limit_is_configurable_under_either_name(string setting)
    {
        using var data = new NotificationData(new Dictionary<string, string?> { [$"FhirPortal:Notifications:{setting}"] = "400.00:00:00" });
        await data.PatientAsync("p1", ("email", "p1@example.org", null, null));
        var invoice = Invoice("inv1", "issued", subject: "Patient/p1");
        invoice["date"] = "2029-03-10";

        Assert.True((await data.Client.PutAsync("Invoice/inv1", Fhir.Body(invoice))).IsSuccessStatusCode);

        Assert.Single(await data.NoticesAsync("&category=billing"));
    }

    private async Task<string> CreateAsync(JsonObject resource)
    {
        var response = await _data.Client.PostAsync((string)resource["resourceType"]!, Fhir.Body(resource));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return (string)JsonNode.Parse(body)!["id"]!;
    }

    private async Task PutAsync(JsonObject resource)
    {
        var response = await _data.Client.PutAsync($"{resource["resourceType"]}/{resource["id"]}", Fhir.Body(resource));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static JsonObject Message(string sender, string recipient, string status) => new()
    {
        ["resourceType"] = "Communication", ["status"] = status,
        ["subject"] = new JsonObject { ["reference"] = recipient.StartsWith("Patient/") ? recipient : "Patient/p1" },
        ["sender"] = new JsonObject { ["reference"] = sender },
        ["recipient"] = new JsonArray(new JsonObject { ["reference"] = recipient }),
        ["payload"] = new JsonArray(new JsonObject { ["contentString"] = "Your potassium is a little high; please repeat the test." }),
    };

    private static JsonObject Invoice(string id, string status, string? subject = null, string? account = null)
    {
        var invoice = new JsonObject { ["resourceType"] = "Invoice", ["id"] = id, ["status"] = status, ["date"] = "2030-03-04" };
        if (subject is not null) invoice["subject"] = new JsonObject { ["reference"] = subject };
        if (account is not null) invoice["account"] = new JsonObject { ["reference"] = account };
        if (status == "balanced") invoice["totalGross"] = new JsonObject { ["value"] = 0, ["currency"] = "USD" };
        return invoice;
    }
}

using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Notifications;
using FhirPortal.Server.Tests.Messaging;

namespace FhirPortal.Server.Tests.Notifications;

/// <summary>
/// "New result" notices: once per released result (and again only for a new status such as amended), held for the
/// release delay, never for preliminary or non-laboratory results or to another patient, never with the value.
/// </summary>
public sealed class ResultNoticeTests : IDisposable
{
    private const string Value = "7.9";
    private readonly List<IDisposable> _hosts = [];

    public void Dispose() => _hosts.ForEach(h => h.Dispose());

    private async Task<NotificationData> HostAsync(IDictionary<string, string?>? settings = null)
    {
        var data = new NotificationData(settings);
        _hosts.Add(data);
        await data.PatientAsync("p1", ("email", "p1@example.org", null, null));
        await data.PatientAsync("p2", ("email", "p2@example.org", null, null));
        return data;
    }

    private static async Task<List<JsonNode>> ResultNoticesAsync(NotificationData data) => await data.NoticesAsync("&category=results");

    [Theory]
    [InlineData("Observation", "laboratory", "final", 1)]
    [InlineData("Observation", "laboratory", "amended", 1)]
    [InlineData("Observation", "laboratory", "corrected", 1)]
    [InlineData("Observation", "laboratory", "preliminary", 0)]
    [InlineData("Observation", "laboratory", "registered", 0)]
    [InlineData("Observation", "vital-signs", "final", 0)]
    [InlineData("DiagnosticReport", "LAB", "final", 1)]
    [InlineData("DiagnosticReport", "LAB", "partial", 0)]
    public async Task A_result_created_released_queues_one_notice_for_its_patient(string type, string category, string status, int notices)
    {
        var data = await HostAsync();

        await PutAsync(data.Client, Result(type, "r1", "p1", status, category));

        var queued = await ResultNoticesAsync(data);
        Assert.Equal(notices, queued.Count);
        if (notices == 0) return;
        Assert.Equal("Patient/p1", (string?)queued[0]["subject"]!["reference"]);
        Assert.Equal($"{type}/r1", (string?)queued[0]["about"]![0]!["reference"]);
        Assert.Equal("A new test result is ready in your portal.", (string?)queued[0]["payload"]![0]!["contentString"]);
    }

    [Fact]
    public async Task A_result_is_announced_once_when_final_again_when_amended_and_never_with_its_value()
    {
        var data = await HostAsync();

        // (status written, result notices in total afterwards)
        foreach (var (status, total) in new[] { ("preliminary", 0), ("final", 1), ("final", 1), ("amended", 2), ("amended", 2) })
        {
            await PutAsync(data.Client, Result("Observation", "r1", "p1", status, "laboratory", note: $"{status} {Guid.NewGuid()}"));
            Assert.Equal(total, (await ResultNoticesAsync(data)).Count);
        }
        // Deleted and written again as final: the final version was announced already.
        Assert.True((await data.Client.DeleteAsync("Observation/r1")).IsSuccessStatusCode);
        await PutAsync(data.Client, Result("Observation", "r1", "p1", "final", "laboratory"));
        Assert.Equal(2, (await ResultNoticesAsync(data)).Count);

        Assert.Equal(2, await data.DispatchAsync());
        var mails = await Task.WhenAll(NotificationData.Files(data.MailFolder).Select(f => File.ReadAllTextAsync(f)));
        Assert.Equal(2, mails.Length);
        Assert.All(mails, m => Assert.Contains("A new test result is ready in your portal", m));
        Assert.All(mails, m => Assert.DoesNotContain(Value, m));
    }

    [Theory]
    [InlineData("issued", "2028-01-10T09:00:00Z", 0)]
    [InlineData("effectiveDateTime", "2029-11-01", 0)]
    [InlineData("issued", "2030-02-20T09:00:00Z", 1)]
    public async Task An_imported_result_released_long_ago_is_history_not_news(string element, string when, int notices)
    {
        var data = await HostAsync();
        var result = Result("DiagnosticReport", "r1", "p1", "final", "LAB");
        result.Remove("effectiveDateTime");
        result[element] = when;

        await PutAsync(data.Client, result);

        Assert.Equal(notices, (await ResultNoticesAsync(data)).Count);
    }

    [Fact]
    public async Task A_result_notice_waits_for_the_release_delay()
    {
        var data = await HostAsync(new Dictionary<string, string?> { ["FhirPortal:Notifications:ResultReleaseDelay"] = "02:00:00" });
        await PutAsync(data.Client, Result("DiagnosticReport", "r1", "p1", "final", "LAB"));

        Assert.Equal(0, await data.DispatchAsync());
        data.Clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await data.DispatchAsync());
        data.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await data.DispatchAsync());
        Assert.Equal("completed", (string?)Assert.Single(await ResultNoticesAsync(data))["status"]);
    }

    [Fact]
    public async Task A_result_withdrawn_during_the_release_delay_is_not_announced()
    {
        var data = await HostAsync(new Dictionary<string, string?> { ["FhirPortal:Notifications:ResultReleaseDelay"] = "01:00:00" });
        await PutAsync(data.Client, Result("Observation", "r1", "p1", "final", "laboratory"));
        await PutAsync(data.Client, Result("Observation", "r1", "p1", "entered-in-error", "laboratory"));

        data.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await data.DispatchAsync());

        var notice = Assert.Single(await ResultNoticesAsync(data));
        Assert.Equal("not-done", (string?)notice["status"]);
        Assert.Equal("The result was withdrawn before its release.", (string?)notice["statusReason"]!["text"]);
        Assert.Empty(NotificationData.Files(data.MailFolder));
    }

    [Fact]
    public async Task A_lab_transaction_tells_each_patient_once_about_all_its_results()
    {
        var data = await HostAsync();
        var resources = new[]
        {
            Result("DiagnosticReport", "rep1", "p1", "final", "LAB"), Result("Observation", "o1", "p1", "final", "laboratory"),
            Result("Observation", "o2", "p1", "final", "laboratory"), Result("Observation", "o3", "p2", "final", "laboratory"),
            Result("Observation", "o4", "p2", "preliminary", "laboratory"),
        };
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "transaction",
            ["entry"] = new JsonArray([.. resources.Select(r => (JsonNode)new JsonObject
            {
                ["resource"] = r, ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{r["resourceType"]}/{r["id"]}" },
            })]),
        };
        var response = await data.Client.PostAsync("", Fhir.Body(bundle));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

        var notices = await ResultNoticesAsync(data);
        Assert.Equal(2, notices.Count);
        var p1 = notices.Single(n => (string?)n["subject"]!["reference"] == "Patient/p1");
        Assert.Equal(["DiagnosticReport/rep1", "Observation/o1", "Observation/o2"], p1["about"]!.AsArray().Select(a => (string?)a!["reference"]).Order());
        var p2 = notices.Single(n => (string?)n["subject"]!["reference"] == "Patient/p2");
        Assert.Equal("Observation/o3", (string?)Assert.Single(p2["about"]!.AsArray())!["reference"]);
    }

    [Fact]
    public async Task A_lab_result_a_system_client_imports_notifies_the_patient()
    {
        using var data = new MessagingData();
        var patient = await data.Staff.PutAsync("Patient/p1", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Patient", ["id"] = "p1",
            ["telecom"] = new JsonArray(new JsonObject { ["system"] = "email", ["value"] = "p1@example.org" }),
        }));
        Assert.Equal(HttpStatusCode.Created, patient.StatusCode);

        await PutAsync(data.Staff, Result("Observation", "r1", "p1", "final", "laboratory"));

        var notices = await (await data.Staff.GetAsync($"Communication?identifier={NoticeOutbox.IdentifierSystem}|result/Observation/r1/final")).ReadJsonAsync();
        Assert.Equal("Patient/p1", (string?)Assert.Single(notices["entry"]!.AsArray())!["resource"]!["subject"]!["reference"]);
    }

    private static async Task PutAsync(HttpClient client, JsonObject resource)
    {
        var response = await client.PutAsync($"{resource["resourceType"]}/{resource["id"]}", Fhir.Body(resource));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A glucose result (value <see cref="Value"/>) of <paramref name="patient"/>.</summary>
    private static JsonObject Result(string type, string id, string patient, string status, string category, string? note = null)
    {
        var code = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "2345-7" }) };
        var result = new JsonObject
        {
            ["resourceType"] = type, ["id"] = id, ["status"] = status,
            ["category"] = new JsonArray(new JsonObject
            {
                ["coding"] = new JsonArray(new JsonObject
                {
                    ["system"] = type == "Observation" ? "http://terminology.hl7.org/CodeSystem/observation-category" : "http://terminology.hl7.org/CodeSystem/v2-0074",
                    ["code"] = category,
                }),
            }),
            ["code"] = code,
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
            ["effectiveDateTime"] = "2030-03-04T07:00:00Z",
        };
        if (type == "Observation")
        {
            result["valueQuantity"] = new JsonObject { ["value"] = double.Parse(Value, System.Globalization.CultureInfo.InvariantCulture), ["unit"] = "mmol/L" };
            if (note is not null) result["note"] = new JsonArray(new JsonObject { ["text"] = note });
        }
        else
            result["conclusion"] = $"Glucose {Value} mmol/L";
        return result;
    }
}

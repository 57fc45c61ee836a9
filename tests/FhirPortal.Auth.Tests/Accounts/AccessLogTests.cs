using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Tests.Smart;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>
/// "Who viewed my record": with read auditing on, a practitioner's and an app's reads of a patient's record show up in
/// that patient's <c>AuditEvent?patient=</c> and on /auth/account/access-log; another patient's accesses never do.
/// </summary>
public sealed partial class AccessLogTests
{
    private static readonly Dictionary<string, string?> Auditing = new()
    {
        ["FhirPortal:Security:Enabled"] = "true",
        ["FhirPortal:Audit:Reads"] = "true",
        ["FhirPortal:Audit:FlushInterval"] = "00:00:00.050",
    };

    [Fact]
    public async Task A_patient_sees_staff_and_app_reads_of_their_own_record_only()
    {
        await using var smart = await SmartHarness.StartAsync(Auditing);
        var doctor = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser user/*.rs"));
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync("fhir/Observation/o1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync("fhir/Observation/o2")).StatusCode);
        var patient = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.rs"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Patient/p1")).StatusCode);

        var own = await WaitForAsync(patient, "fhir/AuditEvent?patient=Patient/p1&type=rest", 2);
        Assert.Contains(own, a => Reads(a, "Observation/o1") && Agent(a, "http://localhost/fhir/Practitioner/dr1"));
        Assert.Contains(own, a => Reads(a, "Patient/p1") && Agent(a, "http://localhost/fhir/Patient/p1"));
        Assert.DoesNotContain(own, a => Reads(a, "Observation/o2"));
        // Without a patient parameter, or naming another patient, the compartment confinement still applies.
        var all = await SearchAsync(patient, "fhir/AuditEvent?_count=100");
        Assert.DoesNotContain(all, a => Reads(a, "Observation/o2"));
        var other = await patient.GetAsync("fhir/AuditEvent?patient=Patient/p2");
        Assert.True(other.StatusCode == HttpStatusCode.Forbidden || (await SearchAsync(patient, "fhir/AuditEvent?patient=Patient/p2")).Count == 0,
            "another patient's access log is refused or empty");

        var browser = await smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var page = await browser.GetAsync("auth/account/access-log");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("unsafe-inline", string.Join(" ", page.Headers.GetValues("Content-Security-Policy")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("<script>|<style|style=", html);
        var rows = Rows(html);
        Assert.Contains(rows, r => r.Contains("doc") && r.Contains(SmartHarness.PublicApp) && r.Contains("Observation/o1"));
        Assert.Contains(rows, r => r.Contains("pat") && r.Contains("Patient/p1"));
        Assert.DoesNotContain(rows, r => r.Contains("Observation/o2"));
        Assert.Equal(rows.OrderByDescending(r => r[..19], StringComparer.Ordinal), rows); // newest first
    }

    [Fact]
    public async Task The_access_log_page_is_paged_newest_first()
    {
        // Two entities an event (the patient and one record): every read its own event, so 30 reads make 30 rows.
        await using var smart = await SmartHarness.StartAsync(new Dictionary<string, string?>(Auditing) { ["FhirPortal:Audit:EntitiesPerEvent"] = "2" });
        var doctor = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser user/*.rs"));
        for (var i = 0; i < 30; i++) Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync($"fhir/Patient/p1?n={i}")).StatusCode);
        var patient = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.rs"));
        await WaitForAsync(patient, "fhir/AuditEvent?patient=Patient/p1&type=rest", 30);

        var browser = await smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var first = await (await browser.GetAsync("auth/account/access-log")).Content.ReadAsStringAsync();
        var older = OlderLink().Match(first);
        Assert.True(older.Success, "a full first page links to the older accesses");
        var second = await (await browser.GetAsync(WebUtility.HtmlDecode(older.Groups[1].Value).TrimStart('/'))).Content.ReadAsStringAsync();
        var (firstRows, secondRows) = (Rows(first), Rows(second));
        Assert.Equal(25, firstRows.Count);
        Assert.Equal(5, secondRows.Count);
        Assert.True(string.CompareOrdinal(firstRows[^1][..19], secondRows[0][..19]) >= 0, "the second page is older");
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("%00%FF")]
    [InlineData("eyJub3QiOiJhIGN1cnNvciJ9")]
    public async Task A_bad_cursor_shows_the_newest_page(string cursor)
    {
        await using var smart = await SmartHarness.StartAsync(Auditing);
        var patient = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.rs"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Patient/p1")).StatusCode);
        await WaitForAsync(patient, "fhir/AuditEvent?patient=Patient/p1&type=rest", 1);

        var browser = await smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var page = await browser.GetAsync($"auth/account/access-log?cursor={cursor}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(Rows(await page.Content.ReadAsStringAsync()), r => r.Contains("Patient/p1"));
    }

    [Fact]
    public async Task A_practitioner_search_of_two_patients_shows_each_patient_only_their_own_part()
    {
        await using var smart = await SmartHarness.StartAsync(Auditing);
        var doctor = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser user/*.rs"));
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync("fhir/Observation?_id=o1,o2")).StatusCode);
        var patient = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.rs"));

        var own = await WaitForAsync(patient, "fhir/AuditEvent?patient=Patient/p1&type=rest", 1);
        Assert.Contains(own, a => Reads(a, "Observation/o1"));
        var json = string.Join("\n", own.Select(a => a.ToJsonString()));
        Assert.DoesNotContain("o2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("p2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("_id=", json, StringComparison.Ordinal);

        var browser = await smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var rows = Rows(await (await browser.GetAsync("auth/account/access-log")).Content.ReadAsStringAsync());
        Assert.Contains(rows, r => r.Contains("doc") && r.Contains("Observation"));
        Assert.DoesNotContain(rows, r => r.Contains("o2") || r.Contains("p2") || r.Contains("_id="));
    }

    [Fact]
    public async Task Reads_within_one_flush_are_one_row_per_patient_with_the_records_and_time_range()
    {
        // A long flush interval: once the patient's own read is stored, the doctor's reads all wait for the next flush.
        await using var smart = await SmartHarness.StartAsync(new Dictionary<string, string?>(Auditing) { ["FhirPortal:Audit:FlushInterval"] = "00:00:10" });
        var doctor = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser user/*.rs"));
        var patient = Fhir(smart, await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.rs"));
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAsync("fhir/Patient/p1")).StatusCode);
        await WaitForAsync(patient, "fhir/AuditEvent?patient=Patient/p1&type=rest", 1);
        foreach (var url in new[] { "Observation/o1", "Patient/p2", "Patient/p1", "Observation/o2", "Observation/o1" })
            Assert.Equal(HttpStatusCode.OK, (await doctor.GetAsync($"fhir/{url}")).StatusCode);

        var own = await WaitForAsync(patient, "fhir/AuditEvent?patient=Patient/p1&type=rest", 2);
        var aggregated = Assert.Single(own, a => a["period"] is not null);
        // Each record read is listed once, the repeated one with how many reads named it.
        Assert.Equal(["Observation/o1/_history/1 2", "Patient/p1/_history/1 ", "Patient/p1 "],
            aggregated["entity"]!.AsArray().Select(e => $"{(string?)e!["what"]?["reference"]} {(string?)e["detail"]?[0]?["valueString"]}"));
        Assert.True(string.CompareOrdinal((string)aggregated["period"]!["start"]!, (string)aggregated["period"]!["end"]!) < 0);
        Assert.Equal((string)aggregated["period"]!["end"]!, (string)aggregated["recorded"]!);

        var browser = await smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var rows = Rows(await (await browser.GetAsync("auth/account/access-log")).Content.ReadAsStringAsync());
        var row = Assert.Single(rows, r => r.Contains("doc"));
        Assert.Contains("read 2 records: Observation/o1/_history/1 (2 times), Patient/p1/_history/1", row);
        // The time of the last access, and of the first only where it shows differently (same second: one time).
        string Shown(string key) => DateTimeOffset.Parse((string)aggregated["period"]![key]!, CultureInfo.InvariantCulture).ToUniversalTime()
            .ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var (first, last) = (Shown("start"), Shown("end"));
        Assert.StartsWith(first == last ? $"{last} " : $"{last} (from {first}) ", row);
        Assert.DoesNotMatch(@"^(\S+ \S+) \(from \1\)", row);
        Assert.DoesNotContain(rows, r => r.Contains("o2") || r.Contains("p2"));
    }

    private static HttpClient Fhir(SmartHarness smart, JsonObject token)
    {
        var client = smart.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)token["access_token"]!);
        return client;
    }

    private static async Task<List<JsonNode>> SearchAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode}");
        var bundle = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return bundle["entry"]?.AsArray().Select(e => e!["resource"]!).ToList() ?? [];
    }

    /// <summary>Polls until at least <paramref name="count"/> AuditEvents match (they are written off the request path).</summary>
    private static async Task<List<JsonNode>> WaitForAsync(HttpClient client, string url, int count)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var found = await SearchAsync(client, url + "&_count=100");
            if (found.Count >= count) return found;
            if (DateTime.UtcNow > until) throw new TimeoutException($"{found.Count} of {count} AuditEvents for {url}");
            await Task.Delay(50);
        }
    }

    private static bool Reads(JsonNode audit, string reference) =>
        audit["entity"]?.AsArray().Any(e => ((string?)e!["what"]?["reference"])?.StartsWith(reference + "/_history/", StringComparison.Ordinal) == true) == true;

    private static bool Agent(JsonNode audit, string who) =>
        audit["agent"]!.AsArray().Any(a => (string?)a!["who"]?["reference"] == who);

    private static List<string> Rows(string html) =>
        [.. RowPattern().Matches(html).Select(m => WebUtility.HtmlDecode(Regex.Replace(m.Groups[1].Value, "<[^>]+>", " ").Trim()))];

    [GeneratedRegex("<tr>\\s*<td>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex RowPattern();

    [GeneratedRegex("id=\"older\" href=\"([^\"]+)\"")]
    private static partial Regex OlderLink();
}

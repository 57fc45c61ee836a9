using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>$everything on a small hand-made record: POST parameters, paging under concurrent writes, other patients kept out.</summary>
public sealed class EverythingTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public EverythingTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Post_with_parameters_narrows_by_type_and_leaves_out_other_patients_and_unreferenced_providers()
    {
        await SeedAsync();
        var body = Fhir.Body("""{"resourceType":"Parameters","parameter":[{"name":"_type","valueString":"Observation,Practitioner"},{"name":"_count","valueInteger":50}]}""");
        var response = await _client.PostAsync("Patient/a/$everything", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var keys = Keys(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
        Assert.Equal(["Observation/a1", "Observation/a2", "Observation/a3", "Practitioner/doc"], keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Pages_stay_consistent_while_resources_are_written_between_them()
    {
        await SeedAsync();
        var expected = new[] { "Patient/a", "Observation/a1", "Observation/a2", "Observation/a3", "Practitioner/doc" };
        var seen = new List<string>();
        var pages = 0;
        for (string? next = "Patient/a/$everything?_count=2"; next is not null; pages++)
        {
            using var page = JsonDocument.Parse(await _client.GetStringAsync(next));
            seen.AddRange(Keys(page.RootElement));
            // A write between pages: an update of a resource already returned and a new member.
            Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("Observation/a1", Observation("a1", "a", "doc"))).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"Observation/late{pages}", Observation($"late{pages}", "a", null))).StatusCode);
            next = page.RootElement.GetProperty("link").EnumerateArray()
                .Where(l => l.GetProperty("relation").GetString() == "next").Select(l => l.GetProperty("url").GetString()).FirstOrDefault();
        }
        Assert.True(pages >= 3);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(expected, k => Assert.Contains(k, seen));
        Assert.DoesNotContain(seen, k => k.StartsWith("Observation/b", StringComparison.Ordinal) || k == "Patient/b" || k == "Practitioner/unused");
    }

    [Fact]
    public async Task Unknown_parameters_are_400_and_a_deleted_patient_is_410()
    {
        await SeedAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("Patient/a/$everything?code=x")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("Patient/a/$everything?_type=Nonsense")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("Patient/b")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await _client.GetAsync("Patient/b/$everything")).StatusCode);
    }

    [Theory]
    [InlineData("json", "")]
    [InlineData("xml", "")]
    [InlineData("json", "&_type=Condition")] // no entries: no empty "entry" array
    [InlineData("xml", "&_type=Condition")]
    public async Task Download_is_one_file_holding_the_same_bundle_as_a_page_without_links(string format, string selection)
    {
        await SeedAsync();
        var page = await _client.GetAsync($"Patient/a/$everything?_format={format}&_count=50{selection}");
        var download = await _client.GetAsync($"Patient/a/$everything?_format={format}&_download=true{selection}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"Patient-a-everything.{format}", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(Comparable(await page.Content.ReadAsStringAsync(), format), Comparable(await download.Content.ReadAsStringAsync(), format));
    }

    [Fact]
    public async Task Download_of_an_unknown_patient_is_a_404_outcome_not_a_file()
    {
        var response = await _client.GetAsync("Patient/nobody/$everything?_download=true");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentDisposition);
        Assert.Equal("OperationOutcome", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("resourceType").GetString());
    }

    /// <summary>The Bundle without its paging links, with its own id and lastUpdated (which must be there) replaced by fixed values.</summary>
    private static string Comparable(string body, string format)
    {
        if (format == "json")
        {
            var bundle = JsonNode.Parse(body)!.AsObject();
            bundle.Remove("link");
            bundle["id"] = "x";
            Assert.NotNull((string?)bundle["meta"]!["lastUpdated"]);
            bundle["meta"]!["lastUpdated"] = "t";
            return bundle.ToJsonString();
        }
        var ns = XNamespace.Get("http://hl7.org/fhir");
        var root = XDocument.Parse(body).Root!;
        root.Elements(ns + "link").Remove();
        root.Element(ns + "id")!.SetAttributeValue("value", "x");
        root.Element(ns + "meta")!.Element(ns + "lastUpdated")!.SetAttributeValue("value", "t");
        return root.ToString();
    }

    private async Task SeedAsync()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Practitioner/doc", Fhir.Body("""{"resourceType":"Practitioner","id":"doc"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("Practitioner/unused", Fhir.Body("""{"resourceType":"Practitioner","id":"unused"}"""))).StatusCode);
        foreach (var patient in new[] { "a", "b" })
        {
            Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"Patient/{patient}", Fhir.Body($$"""{"resourceType":"Patient","id":"{{patient}}"}"""))).StatusCode);
            for (var i = 1; i <= 3; i++)
                Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync($"Observation/{patient}{i}", Observation($"{patient}{i}", patient, i == 1 ? "doc" : null))).StatusCode);
        }
    }

    private static StringContent Observation(string id, string patient, string? performer) => Fhir.Body($$"""
        {"resourceType":"Observation","id":"{{id}}","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/{{patient}}"}
        {{(performer is null ? "" : $$""","performer":[{"reference":"Practitioner/{{performer}}"}]""")}}}
        """);

    private static List<string> Keys(JsonElement bundle) =>
        bundle.TryGetProperty("entry", out var entries) ? entries.EnumerateArray().Select(e => BulkClient.Key(e.GetProperty("resource"))).ToList() : [];
}

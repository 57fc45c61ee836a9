using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>Wire formats, result shaping (_pretty, _summary, _elements), Prefer: return, conditional read and vread.</summary>
public sealed class FormatTests : IDisposable
{
    private static readonly XNamespace F = "http://hl7.org/fhir";
    private const string XmlType = "application/fhir+xml";

    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public FormatTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private const string FullPatient = """
        {"resourceType":"Patient","id":"full",
         "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane Doe</div>"},
         "identifier":[{"system":"http://example.org/mrn","value":"123"}],
         "active":true,
         "name":[{"family":"Doe","given":["Jane"]}],
         "gender":"female",
         "birthDate":"1980-02-03",
         "maritalStatus":{"text":"married"},
         "contact":[{"name":{"family":"Roe"}}]}
        """;

    private async Task<JsonNode> PutFullPatientAsync()
    {
        var put = await _client.PutAsync("Patient/full", Fhir.Body(FullPatient));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return await put.ReadJsonAsync();
    }

    private static string? MediaType(HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType;

    private static bool IsSubsetted(JsonNode resource) =>
        (resource["meta"]?["tag"] as JsonArray ?? []).Any(t => t!["code"]?.GetValue<string>() == "SUBSETTED");

    private static XDocument ParseXml(string xml) => XDocument.Parse(xml);

    [Fact]
    public async Task Xml_create_and_xml_read_round_trip()
    {
        var created = await _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""
            <Patient xmlns="http://hl7.org/fhir">
              <name><family value="Xml"/><given value="Ann"/></name>
              <birthDate value="1990-01-02"/>
            </Patient>
            """, XmlType), ("Accept", XmlType));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(XmlType, MediaType(created));
        var createdXml = ParseXml(await created.Content.ReadAsStringAsync());
        Assert.Equal("Patient", createdXml.Root!.Name.LocalName);
        var id = createdXml.Root.Element(F + "id")!.Attribute("value")!.Value;

        var byAccept = await _client.SendAsync(HttpMethod.Get, $"Patient/{id}", null, ("Accept", XmlType));
        Assert.Equal(HttpStatusCode.OK, byAccept.StatusCode);
        Assert.Equal(XmlType, MediaType(byAccept));
        var xml = ParseXml(await byAccept.Content.ReadAsStringAsync());
        Assert.Equal("Xml", xml.Root!.Element(F + "name")!.Element(F + "family")!.Attribute("value")!.Value);
        Assert.Equal("1990-01-02", xml.Root.Element(F + "birthDate")!.Attribute("value")!.Value);
        Assert.Equal("1", xml.Root.Element(F + "meta")!.Element(F + "versionId")!.Attribute("value")!.Value);

        var byFormat = await _client.GetAsync($"Patient/{id}?_format=xml");
        Assert.Equal(HttpStatusCode.OK, byFormat.StatusCode);
        Assert.Equal(XmlType, MediaType(byFormat));
        Assert.Equal("Xml", ParseXml(await byFormat.Content.ReadAsStringAsync()).Root!.Element(F + "name")!.Element(F + "family")!.Attribute("value")!.Value);

        var asJson = await _client.GetAsync($"Patient/{id}");
        Assert.Equal("Ann", (await asJson.ReadJsonAsync())["name"]![0]!["given"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Xml_search_bundle_and_xml_error()
    {
        await PutFullPatientAsync();
        var search = await _client.GetAsync("Patient?_format=xml");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        var bundle = ParseXml(await search.Content.ReadAsStringAsync());
        Assert.Equal("Bundle", bundle.Root!.Name.LocalName);
        Assert.Single(bundle.Root.Elements(F + "entry"));

        var missing = await _client.GetAsync("Patient/nope?_format=xml");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(XmlType, MediaType(missing));
        Assert.Equal("OperationOutcome", ParseXml(await missing.Content.ReadAsStringAsync()).Root!.Name.LocalName);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("application/fhir+json")]
    [InlineData("application/json")]
    public async Task Format_parameter_overrides_Accept(string format)
    {
        await PutFullPatientAsync();
        var read = await _client.SendAsync(HttpMethod.Get, $"Patient/full?_format={Uri.EscapeDataString(format)}", null, ("Accept", XmlType));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("application/fhir+json", MediaType(read));
        Assert.Equal("Doe", (await read.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null, "application/fhir+json")]
    [InlineData("application/fhir+json", "application/fhir+json")]
    [InlineData("application/json", "application/fhir+json")]
    [InlineData("*/*", "application/fhir+json")]
    [InlineData("application/fhir+json; fhirVersion=4.0", "application/fhir+json")]
    [InlineData("application/fhir+xml", XmlType)]
    public async Task A_read_is_sent_in_the_accepted_format_with_its_length(string? accept, string mediaType)
    {
        await PutFullPatientAsync();
        using var client = _host.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var read = accept is null
            ? await client.GetAsync("Patient/full")
            : await client.SendAsync(HttpMethod.Get, "Patient/full", null, ("Accept", accept));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(mediaType, MediaType(read));
        var body = await read.Content.ReadAsByteArrayAsync();
        Assert.True(read.Content.Headers.NonValidated.TryGetValues("Content-Length", out var length), "no Content-Length");
        Assert.Equal(body.Length.ToString(), length.ToString());
        Assert.Contains("Doe", System.Text.Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task Accept_with_quality_values_picks_the_preferred_format()
    {
        await PutFullPatientAsync();
        var read = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("Accept", "text/html, application/fhir+json;q=0.5, application/fhir+xml;q=0.9"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(XmlType, MediaType(read));
    }

    [Fact]
    public async Task Plain_application_json_is_accepted_as_FHIR_JSON()
    {
        var created = await _client.SendAsync(HttpMethod.Post, "Patient",
            Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Plain"}]}""", "application/json"), ("Accept", "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/fhir+json", MediaType(created));
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        var read = await _client.SendAsync(HttpMethod.Get, $"Patient/{id}", null, ("Accept", "application/json"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Plain", (await read.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pretty_printing_indents_and_keeps_content()
    {
        await PutFullPatientAsync();
        var compact = await (await _client.GetAsync("Patient/full")).Content.ReadAsStringAsync();
        var pretty = await (await _client.GetAsync("Patient/full?_pretty=true")).Content.ReadAsStringAsync();
        Assert.DoesNotContain('\n', compact);
        Assert.Contains("\n  \"", pretty);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(compact), JsonNode.Parse(pretty)));

        var prettyXml = await (await _client.GetAsync("Patient/full?_format=xml&_pretty=true")).Content.ReadAsStringAsync();
        Assert.Contains("\n  <", prettyXml);
    }

    [Fact]
    public async Task Summary_true_returns_summary_elements_only_and_is_subsetted()
    {
        await PutFullPatientAsync();
        var read = await _client.GetAsync("Patient/full?_summary=true");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var body = await read.ReadJsonAsync();
        Assert.Equal("full", body["id"]!.GetValue<string>());
        Assert.NotNull(body["name"]);
        Assert.NotNull(body["identifier"]);
        Assert.Equal("1980-02-03", body["birthDate"]!.GetValue<string>());
        Assert.Null(body["maritalStatus"]);
        Assert.Null(body["contact"]);
        Assert.Null(body["text"]);
        Assert.True(IsSubsetted(body));

        // The stored resource is unchanged by the filtered read.
        var full = await (await _client.GetAsync("Patient/full")).ReadJsonAsync();
        Assert.NotNull(full["contact"]);
        Assert.False(IsSubsetted(full));
    }

    [Fact]
    public async Task Summary_text_returns_text_id_and_meta()
    {
        await PutFullPatientAsync();
        var body = await (await _client.GetAsync("Patient/full?_summary=text")).ReadJsonAsync();
        Assert.Equal("full", body["id"]!.GetValue<string>());
        Assert.Contains("Jane Doe", body["text"]!["div"]!.GetValue<string>());
        Assert.Null(body["name"]);
        Assert.Null(body["birthDate"]);
        Assert.True(IsSubsetted(body));
    }

    [Fact]
    public async Task Summary_data_drops_the_narrative()
    {
        await PutFullPatientAsync();
        var body = await (await _client.GetAsync("Patient/full?_summary=data")).ReadJsonAsync();
        Assert.Null(body["text"]);
        Assert.NotNull(body["contact"]);
        Assert.True(IsSubsetted(body));
    }

    [Fact]
    public async Task Summary_count_on_search_returns_the_total_without_entries()
    {
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","gender":"male"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","gender":"female"}"""))).StatusCode);

        var all = await (await _client.GetAsync("Patient?_summary=count")).ReadJsonAsync();
        Assert.Equal("searchset", all["type"]!.GetValue<string>());
        Assert.Equal(4, all["total"]!.GetValue<int>());
        Assert.Empty(all["entry"] as JsonArray ?? []);

        var male = await (await _client.GetAsync("Patient?gender=male&_summary=count&_count=1")).ReadJsonAsync();
        Assert.Equal(3, male["total"]!.GetValue<int>());
        Assert.Empty(male["entry"] as JsonArray ?? []);
    }

    [Fact]
    public async Task Elements_returns_only_the_named_and_mandatory_elements()
    {
        await PutFullPatientAsync();
        var body = await (await _client.GetAsync("Patient/full?_elements=name,birthDate")).ReadJsonAsync();
        Assert.Equal("Patient", body["resourceType"]!.GetValue<string>());
        Assert.Equal("full", body["id"]!.GetValue<string>());
        Assert.Equal("Doe", body["name"]![0]!["family"]!.GetValue<string>());
        Assert.Equal("1980-02-03", body["birthDate"]!.GetValue<string>());
        Assert.Null(body["gender"]);
        Assert.Null(body["identifier"]);
        Assert.Null(body["contact"]);
        Assert.True(IsSubsetted(body));

        var search = await (await _client.GetAsync("Patient?_elements=gender")).ReadJsonAsync();
        var entry = search["entry"]![0]!["resource"]!;
        Assert.Equal("female", entry["gender"]!.GetValue<string>());
        Assert.Null(entry["name"]);
        Assert.Equal("full", entry["id"]!.GetValue<string>());
        Assert.True(IsSubsetted(entry));
    }

    [Theory]
    [InlineData("Patient/full?_summary=true")]
    [InlineData("Patient/full?_summary=text")]
    [InlineData("Patient/full?_summary=data")]
    [InlineData("Patient/full?_elements=name")]
    [InlineData("Patient/full?_summary=true&_format=xml")]
    [InlineData("Patient?_summary=true")]
    [InlineData("Patient?_elements=gender&_format=xml")]
    [InlineData("Patient/full/_history/1?_elements=name")]
    public async Task A_subsetted_resource_carries_one_SUBSETTED_tag_with_the_R4_system(string url)
    {
        await PutFullPatientAsync();
        var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        // Counted on the wire, in JSON and XML alike: the resource (or each entry) has one tag, never the pre-R4 system.
        Assert.DoesNotContain("http://hl7.org/fhir/v3/ObservationValue", text);
        Assert.Equal(1, CountOf(text, "SUBSETTED"));
        Assert.Equal(1, CountOf(text, "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"));
    }

    private static int CountOf(string text, string value) =>
        (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;

    [Fact]
    public async Task Prefer_return_minimal_has_no_body_but_Location_and_ETag()
    {
        var created = await _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","active":true}"""), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(await created.Content.ReadAsByteArrayAsync());
        Assert.Matches(@"^http://localhost/fhir/Patient/[^/]+/_history/1$", created.Headers.Location!.ToString());
        Assert.Equal("W/\"1\"", created.Headers.ETag?.ToString());
        Assert.NotNull(created.Content.Headers.LastModified);

        var updated = await _client.SendAsync(HttpMethod.Put, "Patient/full", Fhir.Body(FullPatient), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.Created, updated.StatusCode);
        Assert.Empty(await updated.Content.ReadAsByteArrayAsync());
        var again = await _client.SendAsync(HttpMethod.Put, "Patient/full", Fhir.Body(FullPatient), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal("W/\"2\"", again.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Prefer_return_OperationOutcome_returns_an_outcome()
    {
        var created = await _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","active":true}"""), ("Prefer", "return=OperationOutcome"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.NotNull(created.Headers.Location);
        Assert.Equal("W/\"1\"", created.Headers.ETag?.ToString());
        var body = await created.ReadJsonAsync();
        Assert.Equal("OperationOutcome", body["resourceType"]!.GetValue<string>());
        Assert.Equal("information", body["issue"]![0]!["severity"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("return=representation")]
    public async Task Default_and_representation_return_the_stored_resource(string? prefer)
    {
        var headers = prefer is null ? [] : new[] { ("Prefer", prefer) };
        var created = await _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Rep"}]}"""), headers);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadJsonAsync();
        Assert.Equal("Patient", body["resourceType"]!.GetValue<string>());
        Assert.Equal("Rep", body["name"]![0]!["family"]!.GetValue<string>());
        Assert.Equal("1", body["meta"]!["versionId"]!.GetValue<string>());
        Assert.NotNull(body["meta"]!["lastUpdated"]);
        Assert.EndsWith($"/Patient/{body["id"]!.GetValue<string>()}/_history/1", created.Headers.Location!.ToString());
    }

    [Fact]
    public async Task If_None_Match_with_the_current_ETag_is_304()
    {
        await PutFullPatientAsync();
        var first = await _client.GetAsync("Patient/full");
        var etag = first.Headers.ETag!.ToString();

        var same = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Empty(await same.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, same.Headers.ETag?.ToString());

        var other = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("If-None-Match", "W/\"7\""));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("Patient/full", Fhir.Body(FullPatient))).StatusCode);
        var stale = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("W/\"2\"", stale.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task If_Modified_Since_is_304_when_later_and_200_when_earlier()
    {
        await PutFullPatientAsync();
        var read = await _client.GetAsync("Patient/full");
        var lastModified = read.Content.Headers.LastModified!.Value;

        var later = new HttpRequestMessage(HttpMethod.Get, "Patient/full");
        later.Headers.IfModifiedSince = lastModified.AddMinutes(5);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(later)).StatusCode);

        var same = new HttpRequestMessage(HttpMethod.Get, "Patient/full");
        same.Headers.IfModifiedSince = lastModified;
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(same)).StatusCode);

        var earlier = new HttpRequestMessage(HttpMethod.Get, "Patient/full");
        earlier.Headers.IfModifiedSince = lastModified.AddMinutes(-5);
        var response = await _client.SendAsync(earlier);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("full", (await response.ReadJsonAsync())["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Vread_returns_an_old_version_after_an_update()
    {
        await PutFullPatientAsync();
        var changed = FullPatient.Replace("\"Doe\"", "\"Changed\"");
        var update = await _client.PutAsync("Patient/full", Fhir.Body(changed));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal("W/\"2\"", update.Headers.ETag?.ToString());

        var v1 = await _client.GetAsync("Patient/full/_history/1");
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal("W/\"1\"", v1.Headers.ETag?.ToString());
        var body1 = await v1.ReadJsonAsync();
        Assert.Equal("Doe", body1["name"]![0]!["family"]!.GetValue<string>());
        Assert.Equal("1", body1["meta"]!["versionId"]!.GetValue<string>());

        var v2 = await (await _client.GetAsync("Patient/full/_history/2")).ReadJsonAsync();
        Assert.Equal("Changed", v2["name"]![0]!["family"]!.GetValue<string>());
        var current = await (await _client.GetAsync("Patient/full")).ReadJsonAsync();
        Assert.Equal("2", current["meta"]!["versionId"]!.GetValue<string>());

        var v1Xml = await _client.GetAsync("Patient/full/_history/1?_format=xml");
        Assert.Equal(XmlType, MediaType(v1Xml));
    }

    [Theory]
    [InlineData("Patient/full/_history/3")]
    [InlineData("Patient/full/_history/0")]
    [InlineData("Patient/full/_history/abc")]
    [InlineData("Patient/missing/_history/1")]
    public async Task Vread_of_a_nonexistent_version_is_404(string url)
    {
        await PutFullPatientAsync();
        var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", body["resourceType"]!.GetValue<string>());
        Assert.Equal("not-found", body["issue"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Response_content_type_names_utf8()
    {
        await PutFullPatientAsync();
        var read = await _client.GetAsync("Patient/full");
        Assert.Equal(new MediaTypeHeaderValue("application/fhir+json") { CharSet = "utf-8" }, read.Content.Headers.ContentType);
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>Wire formats and result shaping (_pretty, _summary, _elements); Prefer: return and conditional reads are in <see cref="PreferAndConditionalReadTests"/>.</summary>
public sealed class FormatTests : IDisposable
{
    private static readonly XNamespace F = "http://hl7.org/fhir";
    internal const string XmlType = "application/fhir+xml";

    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public FormatTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    internal const string FullPatient = """
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

    internal static async Task<JsonNode> PutFullPatientAsync(HttpClient client)
    {
        var put = await client.PutAsync("Patient/full", Fhir.Body(FullPatient));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return await put.ReadJsonAsync();
    }

    internal static string? MediaType(HttpResponseMessage response) => response.Content.Headers.ContentType?.MediaType;

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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
        await PutFullPatientAsync(_client);
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
    public async Task Response_content_type_names_utf8()
    {
        await PutFullPatientAsync(_client);
        var read = await _client.GetAsync("Patient/full");
        Assert.Equal(new MediaTypeHeaderValue("application/fhir+json") { CharSet = "utf-8" }, read.Content.Headers.ContentType);
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>
/// Requests the server must refuse: each gets the right status and an OperationOutcome, stores nothing, and
/// leaves the server able to serve the next request.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private const int MaxResourceBytes = 4096;
    private const int MaxJsonDepth = 16;

    private readonly LogCapture _logs = new();
    private readonly FhirPortalHost _host;
    private readonly HttpClient _client;

    public BadInputTests()
    {
        _host = new FhirPortalHost(settings: new Dictionary<string, string?>
        {
            ["FhirPortal:Limits:MaxResourceBytes"] = MaxResourceBytes.ToString(),
            ["FhirPortal:Limits:MaxJsonDepth"] = MaxJsonDepth.ToString(),
        }) { TestServices = s => s.AddSingleton<ILoggerProvider>(_logs) };
        _client = _host.CreateFhirClient();
    }

    public void Dispose() => _host.Dispose();

    private const string Xml = "application/fhir+xml";

    [Theory]
    [InlineData("truncated JSON", 400)]
    [InlineData("XML with a DOCTYPE", 400)]
    [InlineData("XML with an external entity", 400)]
    [InlineData("POST body type differs from URL", 422)]
    [InlineData("PUT body type differs from URL", 422)]
    [InlineData("PUT body id differs from URL", 400)]
    [InlineData("PUT without id", 400)]
    [InlineData("unknown element", 400)]
    [InlineData("invalid date", 400)]
    [InlineData("body larger than MaxResourceBytes", 413)]
    [InlineData("JSON deeper than MaxJsonDepth", 400)]
    [InlineData("XML deeper than MaxJsonDepth", 400)]
    [InlineData("Content-Type text/plain", 415)]
    [InlineData("no Content-Type", 415)]
    [InlineData("empty body", 400)]
    [InlineData("Accept text/html only", 406)]
    [InlineData("unknown _format", 406)]
    [InlineData("unknown _summary", 400)]
    [InlineData("unknown resource type", 404)]
    [InlineData("unknown resource type on create", 404)]
    [InlineData("unsupported method", 405)]
    [InlineData("PUT on a type without criteria", 405)]
    [InlineData("malformed transaction Bundle", 400)]
    [InlineData("non-Bundle posted to the base", 400)]
    [InlineData("Bundle of type collection posted to the base", 400)]
    [InlineData("JSON Patch that is not UTF-8", 400)]
    public async Task Bad_request_gets_status_and_OperationOutcome_and_stores_nothing(string name, int status)
    {
        var response = await SendBadAsync(name);

        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.StartsWith("application/fhir+json", response.Content.Headers.ContentType?.ToString());
        var body = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", body["resourceType"]?.GetValue<string>());
        var issue = body["issue"]![0]!;
        Assert.Equal("error", issue["severity"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(issue["code"]?.GetValue<string>()));

        foreach (var type in new[] { "Patient", "Observation", "Bundle" })
        {
            var search = await _client.GetAsync(type);
            Assert.Equal(HttpStatusCode.OK, search.StatusCode);
            Assert.Empty(((await search.ReadJsonAsync())["entry"] as JsonArray) ?? []);
        }
        var history = await _client.GetAsync("_history");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        Assert.Empty(((await history.ReadJsonAsync())["entry"] as JsonArray) ?? []);

        await AssertHealthyAsync();
    }

    private Task<HttpResponseMessage> SendBadAsync(string name) => name switch
    {
        "truncated JSON" =>
            _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Do""")),
        "XML with a DOCTYPE" =>
            _client.PostAsync("Patient", Fhir.Body("""
                <?xml version="1.0"?>
                <!DOCTYPE Patient [ <!ENTITY fam "Doe"> ]>
                <Patient xmlns="http://hl7.org/fhir"><name><family value="&fam;"/></name></Patient>
                """, Xml)),
        "XML with an external entity" =>
            _client.PostAsync("Patient", Fhir.Body("""
                <?xml version="1.0"?>
                <!DOCTYPE Patient [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
                <Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>
                """, Xml)),
        "POST body type differs from URL" =>
            _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Observation","status":"final","code":{"text":"x"}}""")),
        "PUT body type differs from URL" =>
            _client.PutAsync("Patient/x1", Fhir.Body("""{"resourceType":"Observation","id":"x1","status":"final","code":{"text":"x"}}""")),
        "PUT body id differs from URL" =>
            _client.PutAsync("Patient/a1", Fhir.Body("""{"resourceType":"Patient","id":"b1"}""")),
        "PUT without id" =>
            _client.PutAsync("Patient/a1", Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Doe"}]}""")),
        "unknown element" =>
            _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","colour":"blue"}""")),
        "invalid date" =>
            _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","birthDate":"2020-13-45"}""")),
        "body larger than MaxResourceBytes" =>
            _client.PostAsync("Patient", Fhir.Body($$"""{"resourceType":"Patient","name":[{"family":"{{new string('x', MaxResourceBytes + 100)}}"}]}""")),
        "JSON deeper than MaxJsonDepth" =>
            _client.PostAsync("Patient", Fhir.Body(NestedExtensions(MaxJsonDepth + 10))),
        "XML deeper than MaxJsonDepth" =>
            _client.PostAsync("Patient", Fhir.Body(NestedXmlExtensions(MaxJsonDepth + 10), Xml)),
        "Content-Type text/plain" =>
            _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","active":true}""", "text/plain")),
        "no Content-Type" =>
            _client.PostAsync("Patient", new ByteArrayContent(Encoding.UTF8.GetBytes("""{"resourceType":"Patient","active":true}"""))),
        "empty body" =>
            _client.PostAsync("Patient", Fhir.Body("")),
        "Accept text/html only" =>
            _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","active":true}"""), ("Accept", "text/html")),
        "unknown _format" =>
            _client.PostAsync("Patient?_format=html", Fhir.Body("""{"resourceType":"Patient","active":true}""")),
        "unknown _summary" =>
            _client.PostAsync("Patient?_summary=everything", Fhir.Body("""{"resourceType":"Patient","active":true}""")),
        "unknown resource type" =>
            _client.GetAsync("Foo"),
        "unknown resource type on create" =>
            _client.PostAsync("Foo", Fhir.Body("""{"resourceType":"Patient","active":true}""")),
        "unsupported method" =>
            _client.PostAsync("Patient/p1", Fhir.Body("""{"resourceType":"Patient","id":"p1"}""")),
        "PUT on a type without criteria" =>
            _client.PutAsync("Patient", Fhir.Body("""{"resourceType":"Patient","active":true}""")),
        "malformed transaction Bundle" =>
            _client.PostAsync("", Fhir.Body("""
                {"resourceType":"Bundle","type":"transaction","entry":[
                  {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
                  {"resource":{"resourceType":"Patient",
                """)),
        "non-Bundle posted to the base" =>
            _client.PostAsync("", Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Doe"}]}""")),
        "Bundle of type collection posted to the base" =>
            _client.PostAsync("", Fhir.Body("""{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:8f6f2a4e-5b0c-4d4e-9c43-3f1d1d5b9a10","resource":{"resourceType":"Patient"}}]}""")),
        "JSON Patch that is not UTF-8" =>
            _client.PatchAsync("Patient/p1", new ByteArrayContent(Encoding.Latin1.GetBytes("""[{"op":"add","path":"/name","value":[{"family":"Müller"}]}]""")) { Headers = { ContentType = new("application/json-patch+json") } }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such case"),
    };

    [Theory]
    [MemberData(nameof(BadBodyCorpus.BodyNames), MemberType = typeof(BadBodyCorpus))]
    public async Task Unreadable_body_is_a_400_OperationOutcome_on_every_endpoint_and_stores_nothing(string body)
    {
        var existing = await _client.PutAsync("Patient/p0", Fhir.Body("""{"resourceType":"Patient","id":"p0","identifier":[{"system":"http://example.org","value":"0"}]}"""));
        Assert.Equal(HttpStatusCode.Created, existing.StatusCode);
        var versionsBefore = await HistoryCountAsync();

        foreach (var endpoint in BadBodyCorpus.Endpoints)
        {
            var response = await _client.SendAsync(BadBodyCorpus.Request(endpoint, body));

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint.Method} /{endpoint.Url}: {(int)response.StatusCode} {text}");
            Assert.Equal("OperationOutcome", JsonNode.Parse(text)!["resourceType"]!.GetValue<string>());
        }

        Assert.Equal(versionsBefore, await HistoryCountAsync());
        Assert.DoesNotContain(_logs.Entries, e => e.Level >= LogLevel.Error);
        await AssertHealthyAsync();
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","name":[{"family":"a\u0000b"}]}""", "Patient.name[0].family")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["x","\u0007"]}]}""", "Patient.name[0].given[1]")]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"DomainResource"}]}""", "Patient.contained[0].resourceType")]
    public async Task A_refused_string_is_named_by_its_element(string json, string expression)
    {
        var response = await _client.PostAsync("Patient", Fhir.Body(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await response.ReadJsonAsync())["issue"]![0]!;
        Assert.Equal(expression, issue["expression"]![0]!.GetValue<string>());
        Assert.Contains(expression, issue["diagnostics"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("body")]
    [InlineData("search value")]
    [InlineData("search parameter")]
    public async Task Rejected_values_are_cut_short_in_the_OperationOutcome(string where)
    {
        var value = new string('9', 3000);
        var response = where switch
        {
            "body" => await _client.PostAsync("Patient", Fhir.Body($$"""{"resourceType":"Patient","birthDate":"{{value}}"}""")),
            "search value" => await _client.GetAsync($"Patient?birthdate={value}"),
            _ => await _client.SendAsync(HttpMethod.Get, $"Patient?x{value}=1", null, ("Prefer", "handling=strict")),
        };

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var diagnostics = (await response.ReadJsonAsync())["issue"]![0]!["diagnostics"]!.GetValue<string>();
        Assert.InRange(diagnostics.Length, 1, 600);
        Assert.Contains("characters cut", diagnostics);
    }

    [Theory]
    [InlineData("""[{"op":"add","path":"/name","value":[{"family":"\ud800"}]}]""")]
    [InlineData("""[{"op":"add","path":"/name","value":[{"family":"a\u0000"}]}]""")]
    public async Task A_JSON_Patch_that_writes_an_unreadable_string_is_refused_and_changes_nothing(string patch)
    {
        await _client.PutAsync("Patient/p0", Fhir.Body("""{"resourceType":"Patient","id":"p0","active":true}"""));

        var response = await _client.PatchAsync("Patient/p0", Fhir.Body(patch, "application/json-patch+json"));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}");
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        var read = await (await _client.GetAsync("Patient/p0")).ReadJsonAsync();
        Assert.Equal("1", read["meta"]!["versionId"]!.GetValue<string>());
    }

    private async Task<int> HistoryCountAsync()
    {
        var history = await _client.GetAsync("_history?_count=1000");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        return ((await history.ReadJsonAsync())["entry"] as JsonArray)?.Count ?? 0;
    }

    /// <summary>A Patient whose extensions nest <paramref name="levels"/> deep (each level adds two JSON levels).</summary>
    private static string NestedExtensions(int levels)
    {
        var json = new StringBuilder("""{"resourceType":"Patient","extension":""");
        for (var i = 0; i < levels; i++) json.Append("""[{"url":"http://example.org/x","extension":""");
        json.Append("""[{"url":"http://example.org/x","valueString":"leaf"}]""");
        for (var i = 0; i < levels; i++) json.Append("}]");
        json.Append('}');
        return json.ToString();
    }

    private static string NestedXmlExtensions(int levels)
    {
        var xml = new StringBuilder("""<Patient xmlns="http://hl7.org/fhir">""");
        for (var i = 0; i < levels; i++) xml.Append("""<extension url="http://example.org/x">""");
        xml.Append("""<valueString value="leaf"/>""");
        for (var i = 0; i < levels; i++) xml.Append("</extension>");
        xml.Append("</Patient>");
        return xml.ToString();
    }

    private async Task AssertHealthyAsync()
    {
        var created = await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Healthy"}]}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        var read = await _client.GetAsync($"Patient/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Healthy", (await read.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    [Fact]
    public async Task Nesting_up_to_the_limit_is_accepted()
    {
        // Patient(1) > extension[] (2) > {} (3) ... each level two deep; stay well within 16.
        var response = await _client.PostAsync("Patient", Fhir.Body(NestedExtensions(3)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_body_just_under_the_limit_is_accepted()
    {
        var response = await _client.PostAsync("Patient", Fhir.Body($$"""{"resourceType":"Patient","name":[{"family":"{{new string('x', MaxResourceBytes - 200)}}"}]}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_transaction_with_one_bad_entry_stores_none_of_its_entries()
    {
        var response = await _client.PostAsync("", Fhir.Body("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:0b8c2b8e-1f0e-4a7e-9a55-6a3e8c7f2d11","resource":{"resourceType":"Patient","name":[{"family":"Tx"}]},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Patient","id":"other"},"request":{"method":"PUT","url":"Patient/not-the-same"}}
            ]}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        var search = await _client.GetAsync("Patient");
        Assert.Empty(((await search.ReadJsonAsync())["entry"] as JsonArray) ?? []);
    }
}

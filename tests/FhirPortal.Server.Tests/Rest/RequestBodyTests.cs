using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>
/// Bodies the server must accept on the one body-reading path: a type-only Parameters (what Firely's FhirClient
/// posts for an operation without inputs), a UTF-8 byte order mark, compressed bodies, and R4 version parameters.
/// </summary>
public sealed class RequestBodyTests : IDisposable
{
    private const int MaxResourceBytes = 64 * 1024;

    private readonly FhirPortalHost _host = new(settings: new Dictionary<string, string?>
    {
        ["FhirPortal:Limits:MaxResourceBytes"] = MaxResourceBytes.ToString(),
    });
    private readonly HttpClient _client;

    public RequestBodyTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private const string EmptyParameters = """{"resourceType":"Parameters"}""";

    [Theory]
    [InlineData("Patient/p1/$everything", null, HttpStatusCode.OK)]
    [InlineData("Patient/$everything", null, HttpStatusCode.OK)]
    [InlineData("$export", "respond-async", HttpStatusCode.Accepted)]
    [InlineData("Patient/$export", "respond-async", HttpStatusCode.Accepted)]
    [InlineData("Group/g1/$export", "respond-async", HttpStatusCode.Accepted)]
    public async Task Empty_parameters_body_is_accepted_on_every_operation(string url, string? prefer, HttpStatusCode status)
    {
        await PutAsync("Patient/p1", """{"resourceType":"Patient","id":"p1"}""");
        await PutAsync("Group/g1", """{"resourceType":"Group","id":"g1","type":"person","actual":true,"member":[{"entity":{"reference":"Patient/p1"}}]}""");
        var headers = prefer is null ? [] : new[] { ("Prefer", prefer) };

        foreach (var body in new[] { Fhir.Body(EmptyParameters), Fhir.Body("""<Parameters xmlns="http://hl7.org/fhir"/>""", "application/fhir+xml") })
        {
            var response = await _client.SendAsync(HttpMethod.Post, url, body, headers);
            Assert.True(status == response.StatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task A_resource_of_its_type_alone_is_a_valid_create()
    {
        var response = await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var nested = await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","contained":[{"resourceType":"Basic","code":{"text":"x"}}],"name":[{}]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, nested.StatusCode); // an empty element (name) stays an error
    }

    [Fact]
    public async Task Firely_FhirClient_runs_everything_without_inputs()
    {
        await PutAsync("Patient/p1", """{"resourceType":"Patient","id":"p1","name":[{"family":"Firely"}]}""");
        await PutAsync("Observation/o1", """{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}""");
        using var http = _host.CreateClient();
        using var client = new FhirClient(new Uri(_host.BaseUrl + "/"), http, new FhirClientSettings { PreferredFormat = ResourceFormat.Json });

        var instance = (Bundle?)await client.InstanceOperationAsync(new Uri("Patient/p1", UriKind.Relative), "everything");
        var type = (Bundle?)await client.TypeOperationAsync<Patient>("everything");
        var record = await client.FetchPatientRecordAsync(new Uri("Patient/p1", UriKind.Relative));

        Assert.Equal(2, instance!.Entry.Count);
        Assert.Equal(2, type!.Entry.Count);
        Assert.Equal(["Observation", "Patient"], record!.Entry.Select(e => e.Resource!.TypeName).Order());
    }

    [Theory]
    [InlineData("application/fhir+json")]
    [InlineData("application/fhir+xml")]
    public async Task A_utf8_byte_order_mark_is_accepted(string mediaType)
    {
        var text = mediaType.EndsWith("json")
            ? """{"resourceType":"Patient","name":[{"family":"Müller"}]}"""
            : """<Patient xmlns="http://hl7.org/fhir"><name><family value="Müller"/></name></Patient>""";
        var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);

        var response = await _client.PostAsync("Patient", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Müller", (await response.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task A_compressed_body_is_decompressed(string encoding)
    {
        var response = await _client.PostAsync("Patient", Compressed("""{"resourceType":"Patient","name":[{"family":"Zipped"}]}""", encoding));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Zipped", (await response.ReadJsonAsync())["name"]![0]!["family"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_compressed_body_is_limited_by_its_decompressed_size()
    {
        // A few kilobytes on the wire that inflate far beyond the limit: refused once the limit is passed.
        var bomb = $$"""{"resourceType":"Patient","name":[{"family":"{{new string('x', 100 * MaxResourceBytes)}}"}]}""";
        var content = Compressed(bomb, "gzip");
        Assert.True(content.Headers.ContentLength < MaxResourceBytes);

        var response = await _client.PostAsync("Patient", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("compress")]
    [InlineData("gzip, br")]
    public async Task An_unsupported_content_encoding_is_refused(string encoding)
    {
        var content = Fhir.Body("""{"resourceType":"Patient"}""");
        content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);

        var response = await _client.PostAsync("Patient", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_corrupt_gzip_body_is_a_bad_request()
    {
        var content = new ByteArrayContent([0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Fhir.Json);
        content.Headers.ContentEncoding.Add("gzip");

        var response = await _client.PostAsync("Patient", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (await response.ReadJsonAsync())["resourceType"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("application/fhir+json; fhirVersion=4.0", HttpStatusCode.Created)]
    [InlineData("application/fhir+json; fhirVersion=4.0.1", HttpStatusCode.Created)]
    [InlineData("application/fhir+json; fhirVersion=3.0", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/fhir+xml; fhirVersion=5.0", HttpStatusCode.UnsupportedMediaType)]
    public async Task The_body_fhirVersion_must_be_R4(string contentType, HttpStatusCode status)
    {
        var body = contentType.Contains("xml") ? """<Patient xmlns="http://hl7.org/fhir"/>""" : """{"resourceType":"Patient"}""";
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        var response = await _client.PostAsync("Patient", content);

        Assert.Equal(status, response.StatusCode);
    }

    [Theory]
    [InlineData("application/fhir+json; fhirVersion=4.0", HttpStatusCode.OK)]
    [InlineData("application/fhir+json; fhirVersion=3.0", HttpStatusCode.NotAcceptable)]
    [InlineData("application/fhir+json; fhirVersion=3.0, application/fhir+xml; fhirVersion=4.0", HttpStatusCode.OK)]
    public async Task The_accepted_fhirVersion_must_be_R4(string accept, HttpStatusCode status)
    {
        using var client = _host.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/Patient");
        request.Headers.TryAddWithoutValidation("Accept", accept);

        var response = await client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        if (status == HttpStatusCode.NotAcceptable)
            Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync());
    }

    private async Task PutAsync(string url, string json)
    {
        var response = await _client.PutAsync(url, Fhir.Body(json));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static ByteArrayContent Compressed(string json, string encoding)
    {
        using var buffer = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true),
            _ => new BrotliStream(buffer, CompressionLevel.Optimal, leaveOpen: true),
        })
            compressor.Write(Encoding.UTF8.GetBytes(json));
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(Fhir.Json);
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }
}

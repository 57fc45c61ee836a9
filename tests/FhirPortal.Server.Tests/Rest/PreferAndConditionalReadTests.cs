using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>Prefer: return on writes, conditional reads (If-None-Match, If-Modified-Since) and vread.</summary>
public sealed class PreferAndConditionalReadTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public PreferAndConditionalReadTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Prefer_return_minimal_has_no_body_but_Location_and_ETag()
    {
        var created = await _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","active":true}"""), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(await created.Content.ReadAsByteArrayAsync());
        Assert.Matches(@"^http://localhost/fhir/Patient/[^/]+/_history/1$", created.Headers.Location!.ToString());
        Assert.Equal("W/\"1\"", created.Headers.ETag?.ToString());
        Assert.NotNull(created.Content.Headers.LastModified);

        var updated = await _client.SendAsync(HttpMethod.Put, "Patient/full", Fhir.Body(FormatTests.FullPatient), ("Prefer", "return=minimal"));
        Assert.Equal(HttpStatusCode.Created, updated.StatusCode);
        Assert.Empty(await updated.Content.ReadAsByteArrayAsync());
        var again = await _client.SendAsync(HttpMethod.Put, "Patient/full", Fhir.Body(FormatTests.FullPatient), ("Prefer", "return=minimal"));
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
        await FormatTests.PutFullPatientAsync(_client);
        var first = await _client.GetAsync("Patient/full");
        var etag = first.Headers.ETag!.ToString();

        var same = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
        Assert.Empty(await same.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, same.Headers.ETag?.ToString());

        var other = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("If-None-Match", "W/\"7\""));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync("Patient/full", Fhir.Body(FormatTests.FullPatient))).StatusCode);
        var stale = await _client.SendAsync(HttpMethod.Get, "Patient/full", null, ("If-None-Match", etag));
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("W/\"2\"", stale.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task If_Modified_Since_is_304_when_later_and_200_when_earlier()
    {
        await FormatTests.PutFullPatientAsync(_client);
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
        await FormatTests.PutFullPatientAsync(_client);
        var changed = FormatTests.FullPatient.Replace("\"Doe\"", "\"Changed\"");
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
        Assert.Equal(FormatTests.XmlType, FormatTests.MediaType(v1Xml));
    }

    [Theory]
    [InlineData("Patient/full/_history/3")]
    [InlineData("Patient/full/_history/0")]
    [InlineData("Patient/full/_history/abc")]
    [InlineData("Patient/missing/_history/1")]
    public async Task Vread_of_a_nonexistent_version_is_404(string url)
    {
        await FormatTests.PutFullPatientAsync(_client);
        var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("OperationOutcome", body["resourceType"]!.GetValue<string>());
        Assert.Equal("not-found", body["issue"]![0]!["code"]!.GetValue<string>());
    }

}

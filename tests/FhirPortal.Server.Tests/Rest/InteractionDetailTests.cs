using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

/// <summary>HEAD on reads, _summary=count without entries, an empty If-None-Exist, and a PATCH that changes nothing.</summary>
public sealed class InteractionDetailTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public InteractionDetailTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private async Task PutPatientAsync()
    {
        var put = await _client.PutAsync("Patient/p1", Fhir.Body("""{"resourceType":"Patient","id":"p1","gender":"female","name":[{"family":"Doe"}]}"""));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var obs = await _client.PutAsync("Observation/o1", Fhir.Body("""{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}"""));
        Assert.Equal(HttpStatusCode.Created, obs.StatusCode);
    }

    [Theory]
    [InlineData("metadata")]
    [InlineData("Patient/p1")]
    [InlineData("Patient/p1?_format=xml")]
    [InlineData("Patient/p1/_history/1")]
    [InlineData("Patient/p1/_history")]
    [InlineData("Patient/_history")]
    [InlineData("_history")]
    [InlineData("Patient?gender=female")]
    [InlineData("Patient?gender=female&_format=xml")]
    [InlineData("?_type=Patient")]
    [InlineData("Patient/p1/Observation")]
    public async Task Head_answers_like_get_without_a_body(string url)
    {
        await PutPatientAsync();
        var get = await _client.GetAsync(url);
        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(get.Content.Headers.ContentType?.ToString(), head.Content.Headers.ContentType?.ToString());
        Assert.Equal(get.Headers.ETag?.ToString(), head.Headers.ETag?.ToString());
        Assert.Equal(get.Content.Headers.LastModified, head.Content.Headers.LastModified);
    }

    [Fact]
    public async Task Head_of_a_serialised_read_has_the_content_length_of_get()
    {
        await PutPatientAsync();
        var get = await _client.GetAsync("Patient/p1?_format=xml");
        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "Patient/p1?_format=xml"));
        Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("Patient/none", HttpStatusCode.NotFound)]
    [InlineData("Patient/p1/_history/9", HttpStatusCode.NotFound)]
    [InlineData("Patient?_summary=nonsense", HttpStatusCode.BadRequest)]
    public async Task Head_keeps_the_error_status_of_get(string url, HttpStatusCode status)
    {
        await PutPatientAsync();
        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, url));
        Assert.Equal(status, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Summary_count_has_a_total_and_no_entry_element()
    {
        await PutPatientAsync();
        var text = await (await _client.GetAsync("Patient?_summary=count")).Content.ReadAsStringAsync();
        var bundle = JsonNode.Parse(text)!;
        Assert.Equal(1, (int)bundle["total"]!);
        Assert.DoesNotContain("\"entry\"", text);
    }

    // HttpClient does not send a header with no value at all; a blank one reaches the server as empty.
    [Theory]
    [InlineData(" ")]
    [InlineData("  ")]
    public async Task An_empty_If_None_Exist_is_a_400_and_creates_nothing(string header)
    {
        var response = await _client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body("""{"resourceType":"Patient","gender":"male"}"""), ("If-None-Exist", header));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(text.Contains("If-None-Exist"), text);
        var count = await (await _client.GetAsync("Patient?_summary=count")).ReadJsonAsync();
        Assert.Equal(0, (int)count["total"]!);
    }

    [Theory]
    [InlineData("""[{"op":"replace","path":"/gender","value":"female"}]""", "application/json-patch+json")]
    [InlineData("""[{"op":"test","path":"/gender","value":"female"}]""", "application/json-patch+json")]
    [InlineData("""{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.gender"},{"name":"value","valueCode":"female"}]}]}""", "application/fhir+json")]
    public async Task A_patch_that_changes_nothing_returns_the_current_version(string patch, string mediaType)
    {
        await PutPatientAsync();
        var response = await _client.SendAsync(HttpMethod.Patch, "Patient/p1", Fhir.Body(patch, mediaType));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal("1", (string?)(await response.ReadJsonAsync())["meta"]!["versionId"]);
        var history = await (await _client.GetAsync("Patient/p1/_history")).ReadJsonAsync();
        Assert.Single(history["entry"]!.AsArray());

        // A patch that does change something still makes version 2.
        var changed = await _client.SendAsync(HttpMethod.Patch, "Patient/p1",
            Fhir.Body("""[{"op":"replace","path":"/gender","value":"male"}]""", "application/json-patch+json"));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("W/\"2\"", changed.Headers.ETag?.ToString());
    }
}

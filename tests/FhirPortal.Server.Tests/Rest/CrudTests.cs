using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Rest;

public sealed class CrudTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public CrudTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Create_then_read_returns_the_resource_with_version_headers()
    {
        var created = await _client.PostAsync("Patient", Fhir.Body("""{"resourceType":"Patient","name":[{"family":"Doe"}]}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("W/\"1\"", created.Headers.ETag?.ToString());
        var location = created.Headers.Location!.ToString();
        Assert.Matches(@"^http://localhost/fhir/Patient/[^/]+/_history/1$", location);

        var id = (await created.ReadJsonAsync())["id"]!.GetValue<string>();
        var read = await _client.GetAsync($"Patient/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("W/\"1\"", read.Headers.ETag?.ToString());
        Assert.NotNull(read.Content.Headers.LastModified);
        var body = await read.ReadJsonAsync();
        Assert.Equal("Doe", body["name"]![0]!["family"]!.GetValue<string>());
        Assert.Equal("1", body["meta"]!["versionId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Read_of_deleted_resource_returns_410()
    {
        var put = await _client.PutAsync("Patient/p1", Fhir.Body("""{"resourceType":"Patient","id":"p1"}"""));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var delete = await _client.DeleteAsync("Patient/p1");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var read = await _client.GetAsync("Patient/p1");
        Assert.Equal(HttpStatusCode.Gone, read.StatusCode);
        Assert.Equal("OperationOutcome", (await read.ReadJsonAsync())["resourceType"]!.GetValue<string>());
    }
}

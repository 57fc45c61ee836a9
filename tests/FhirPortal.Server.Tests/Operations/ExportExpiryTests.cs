using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Operations;

/// <summary>Finished export jobs expire after the retention (their files removed, 404), also after the store failed the first expiry pass.</summary>
public sealed class ExportExpiryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 3, 4, 8, 0, 0, TimeSpan.Zero));
    private readonly FhirPortalHost _host;

    public ExportExpiryTests()
    {
        _host = JobExpiryHost.Create(_clock, "export");
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task A_finished_export_expires_after_the_retention_and_its_files_are_removed()
    {
        var client = _host.CreateFhirClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("Patient/x1", Fhir.Body("""{"resourceType":"Patient","id":"x1"}"""))).StatusCode);
        var status = await BulkClient.StartAsync(client, "$export?_type=Patient");
        var manifest = await BulkClient.WaitAsync(client, status);
        var file = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(file)).StatusCode);

        _clock.Advance(TimeSpan.FromHours(23));
        await Task.Delay(500);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(status)).StatusCode);

        _clock.Advance(TimeSpan.FromHours(2));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode code;
        while ((code = (await client.GetAsync(status)).StatusCode) != HttpStatusCode.NotFound && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(file)).StatusCode);
    }
}

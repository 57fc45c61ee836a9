using System.Net;
using FhirPortal.Server.Tests.Operations;
using Microsoft.Extensions.Time.Testing;

namespace FhirPortal.Server.Tests.Import;

/// <summary>Finished import jobs expire after the retention, even when the store failed the first time the expiry looked (a hiccup must not end the loop).</summary>
public sealed class ImportExpiryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 3, 4, 8, 0, 0, TimeSpan.Zero));
    private readonly FhirPortalHost _host;

    public ImportExpiryTests()
    {
        _host = JobExpiryHost.Create(_clock, "import");
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task A_finished_import_expires_after_the_retention_although_the_store_failed_the_first_expiry_pass()
    {
        var client = _host.CreateFhirClient();
        ImportClient.WriteFile(_host, "p.ndjson", """{"resourceType":"Patient","id":"e1"}""");
        var status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(("Patient", "p.ndjson")));
        await BulkClient.WaitAsync(client, status);

        _clock.Advance(TimeSpan.FromHours(25));

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpStatusCode code;
        while ((code = (await client.GetAsync(status)).StatusCode) != HttpStatusCode.NotFound && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(HttpStatusCode.NotFound, code);
    }
}

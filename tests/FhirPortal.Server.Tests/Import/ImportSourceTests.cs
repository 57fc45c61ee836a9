using System.Net;
using FhirPortal.Server.Tests.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Server.Tests.Import;

/// <summary>URL inputs: fetched from hosts on FhirPortal:Import:AllowedHosts (private addresses only when allowed), refused otherwise.</summary>
public sealed class ImportSourceTests : IAsyncLifetime
{
    private const string Lines = """
        {"resourceType":"Patient","id":"u1","name":[{"family":"One"}]}
        {"resourceType":"Patient","id":"u2","name":[{"family":"Two"}]}
        """;

    private WebApplication _files = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _files = LocalSource.Create();
        _files.MapGet("/patients.ndjson", () => Results.Text(Lines + "\n", "application/fhir+ndjson"));
        // Sends its headers and one line, then stalls until the client gives up.
        _files.MapGet("/stalls.ndjson", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/fhir+ndjson";
            await context.Response.WriteAsync(Lines.Split('\n')[0] + "\n");
            await context.Response.Body.FlushAsync();
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { }
        });
        _port = await LocalSource.StartAsync(_files);
    }

    public async Task DisposeAsync() => await _files.DisposeAsync();

    private static Dictionary<string, string?> Allowing(string host, bool privateAddresses) => new()
    {
        ["FhirPortal:Import:AllowedHosts:0"] = host,
        ["FhirPortal:Import:AllowPrivateAddresses"] = privateAddresses ? "true" : "false",
    };

    [Fact]
    public async Task A_url_on_an_allowed_host_is_fetched_and_imported()
    {
        using var host = new FhirPortalHost(settings: Allowing("127.0.0.1", privateAddresses: true));
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Patient", $"http://127.0.0.1:{_port}/patients.ndjson")));

        Assert.Equal(2, ImportClient.Counts(result)["Patient"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/u2")).StatusCode);
    }

    [Fact]
    public async Task A_url_whose_body_stalls_fails_after_the_request_timeout_and_the_job_goes_on()
    {
        var settings = Allowing("127.0.0.1", privateAddresses: true);
        settings["FhirPortal:Import:RequestTimeout"] = "00:00:02";
        using var host = new FhirPortalHost(settings: settings);
        var client = host.CreateFhirClient();

        var status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(
            ("Patient", $"http://127.0.0.1:{_port}/stalls.ndjson"), ("Patient", $"http://127.0.0.1:{_port}/patients.ndjson")));
        var result = await BulkClient.WaitAsync(client, status, TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/u2")).StatusCode);
        var error = Assert.Single(await ImportClient.ErrorsAsync(client, result));
        Assert.Contains("stalls.ndjson", ImportClient.Diagnostics(error), StringComparison.Ordinal);
        Assert.Contains("no data arrived", ImportClient.Diagnostics(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", false, "127.0.0.1")]  // allowed host, but a loopback address without AllowPrivateAddresses
    [InlineData("127.0.0.1", true, "localhost")]   // a host that is not on the list
    [InlineData("files.example.org", true, "127.0.0.1")]
    public async Task A_url_of_a_host_not_allowed_is_a_400(string allowed, bool privateAddresses, string requested)
    {
        using var host = new FhirPortalHost(settings: Allowing(allowed, privateAddresses));

        var response = await ImportClient.KickOffAsync(host.CreateFhirClient(),
            ImportClient.Manifest(("Patient", $"http://{requested}:{_port}/patients.ndjson")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (string)(await response.ReadJsonAsync())["resourceType"]!);
    }

    [Fact]
    public async Task A_url_that_answers_404_is_reported_in_the_error_file_and_the_other_inputs_import()
    {
        using var host = new FhirPortalHost(settings: Allowing("127.0.0.1", privateAddresses: true));
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(
            ("Patient", $"http://127.0.0.1:{_port}/missing.ndjson"), ("Patient", $"http://127.0.0.1:{_port}/patients.ndjson")));

        Assert.Equal(2, ImportClient.Counts(result)["Patient"]);
        var error = Assert.Single(await ImportClient.ErrorsAsync(client, result));
        Assert.Contains("missing.ndjson", ImportClient.Diagnostics(error), StringComparison.Ordinal);
        Assert.Contains("404", ImportClient.Diagnostics(error), StringComparison.Ordinal);
    }
}

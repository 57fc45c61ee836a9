using System.Collections.Concurrent;
using System.Net;
using System.Text;
using FhirPortal.Server.Tests.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Server.Tests.Import;

/// <summary>
/// A URL input whose connection drops mid-body is requested again from where it broke (a Range request when the
/// source honours ranges, else from the start with the bytes already read skipped), a bounded number of times;
/// after that the lines read so far are imported and the error file says which lines were lost.
/// </summary>
public sealed class ImportDropTests : IAsyncLifetime
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(string.Concat(
        Enumerable.Range(1, 6).Select(i => $$"""{"resourceType":"Patient","id":"d{{i}}","name":[{"family":"Drop{{i}}"}]}""" + "\n")));

    // Where the first response breaks off: ten bytes into line 4.
    private static readonly int Cut = IndexAfterLine(3) + 10;

    private readonly ConcurrentQueue<(string Path, string? Range)> _requests = new();
    private WebApplication _files = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _files = LocalSource.Create();
        _files.Use(async (context, next) =>
        {
            _requests.Enqueue((context.Request.Path, context.Request.Headers.Range.FirstOrDefault()));
            await next(context);
        });
        // The first request drops; later ones answer in full, honouring Range or not.
        _files.MapGet("/ranged.ndjson", (HttpContext context) => FirstDrops(context, "/ranged.ndjson", ranged: true));
        _files.MapGet("/plain.ndjson", (HttpContext context) => FirstDrops(context, "/plain.ndjson", ranged: false));
        _files.MapGet("/always-drops.ndjson", (HttpContext context) => DropAsync(context));
        _port = await LocalSource.StartAsync(_files);
    }

    public async Task DisposeAsync() => await _files.DisposeAsync();

    // Batches of 2: the drop comes while a batch commits and the next one is parsed; of 500: the whole body is one batch.
    [Theory]
    [InlineData("ranged", 500)]
    [InlineData("plain", 500)]
    [InlineData("ranged", 2)]
    [InlineData("plain", 2)]
    public async Task A_url_that_drops_mid_body_is_requested_again_from_where_it_broke_and_imports_every_line(string source, int batchSize)
    {
        using var host = Host(retries: 3, batchSize);
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Patient", Url(source))));

        Assert.Empty((await ImportClient.ErrorsAsync(client, result)).Select(ImportClient.Diagnostics));
        Assert.Equal(6, ImportClient.Counts(result)["Patient"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/d4")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/d6")).StatusCode);
        // Resumed at the byte the first response broke off at (a Range request is sent either way; "plain" ignores it).
        var requests = _requests.Where(r => r.Path == $"/{source}.ndjson").Select(r => r.Range).ToList();
        Assert.Equal([null, $"bytes={Cut}-"], requests);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(2)]
    public async Task A_url_that_keeps_dropping_is_given_up_after_the_retries_its_lines_before_the_drop_are_imported_and_the_loss_is_reported(int batchSize)
    {
        using var host = Host(retries: 2, batchSize);
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Patient", Url("always-drops"))));

        var error = Assert.Single(await ImportClient.ErrorsAsync(client, result));
        var diagnostics = ImportClient.Diagnostics(error);
        Assert.Equal(3, ImportClient.Counts(result)["Patient"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/d3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("Patient/d4")).StatusCode);
        Assert.Contains("always-drops.ndjson", diagnostics, StringComparison.Ordinal);
        Assert.Contains("after line 3", diagnostics, StringComparison.Ordinal);
        Assert.Contains("requested again 2 time(s)", diagnostics, StringComparison.Ordinal);
        Assert.Equal(3, _requests.Count(r => r.Path == "/always-drops.ndjson"));
    }

    private static FhirPortalHost Host(int retries, int batchSize) => new(settings: new Dictionary<string, string?>
    {
        ["FhirPortal:Import:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["FhirPortal:Import:AllowedHosts:0"] = "127.0.0.1",
        ["FhirPortal:Import:AllowPrivateAddresses"] = "true",
        ["FhirPortal:Import:ReadRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private string Url(string name) => $"http://127.0.0.1:{_port}/{name}.ndjson";

    private Task FirstDrops(HttpContext context, string path, bool ranged)
    {
        if (_requests.Count(r => r.Path == path) == 1) return DropAsync(context);
        if (ranged) return Results.File(Body, "application/fhir+ndjson", enableRangeProcessing: true).ExecuteAsync(context);
        context.Response.ContentType = "application/fhir+ndjson";
        return context.Response.Body.WriteAsync(Body).AsTask();
    }

    /// <summary>Announces the whole body, sends it up to <see cref="Cut"/>, then drops the connection.</summary>
    private static async Task DropAsync(HttpContext context)
    {
        context.Response.ContentType = "application/fhir+ndjson";
        context.Response.ContentLength = Body.Length;
        await context.Response.Body.WriteAsync(Body.AsMemory(0, Cut));
        await context.Response.Body.FlushAsync();
        // Given time to arrive: a reset that overtakes them would discard the bytes the client has not read yet.
        await Task.Delay(300);
        context.Abort();
    }

    private static int IndexAfterLine(int line)
    {
        var index = -1;
        for (var i = 0; i < line; i++) index = Array.IndexOf(Body, (byte)'\n', index + 1);
        return index + 1;
    }
}

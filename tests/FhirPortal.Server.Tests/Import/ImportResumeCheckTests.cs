using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using FhirPortal.Server.Tests.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace FhirPortal.Server.Tests.Import;

/// <summary>
/// A URL input resumed after a dropped connection continues only from content that is provably the same: a
/// content-encoded source is read again from its start (its ranges count encoded bytes), a source whose ETag or length
/// changed ends the input with a "source changed" error line, and a resume exactly at the end is no failure.
/// </summary>
public sealed class ImportResumeCheckTests : IAsyncLifetime
{
    private static readonly byte[] Body = Lines("d", 40);
    private static readonly byte[] Changed = Lines("c", 7);
    private static readonly byte[] Gzipped = Gzip(Body);
    // Where a first response breaks off: ten bytes into line 4 (plain), half way through the compressed bytes (gzip).
    private static readonly int Cut = IndexAfterLine(Body, 3) + 10;

    private readonly ConcurrentQueue<(string Path, string? Range, string? IfRange)> _requests = new();
    private WebApplication _files = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _files = LocalSource.Create();
        _files.Use(async (context, next) =>
        {
            _requests.Enqueue((context.Request.Path, context.Request.Headers.Range.FirstOrDefault(), context.Request.Headers.IfRange.FirstOrDefault()));
            await next(context);
        });
        // gzip: honours Range over its compressed bytes (as a static .gz file served with Content-Encoding would).
        _files.MapGet("/gzip.ndjson", (HttpContext context) => First(context, "/gzip.ndjson")
            ? DropAsync(context, Gzipped, Gzipped.Length / 2, "\"g1\"", gzip: true)
            : File(context, Gzipped, "\"g1\"", gzip: true));
        // changed-etag: the retry finds other content under another ETag (If-Range fails, the whole new body comes).
        _files.MapGet("/changed-etag.ndjson", (HttpContext context) => First(context, "/changed-etag.ndjson")
            ? DropAsync(context, Body, Cut, "\"v1\"")
            : File(context, Changed, "\"v2\""));
        // changed-no-etag: the retry has no ETag any more and ignores Range.
        _files.MapGet("/changed-no-etag.ndjson", (HttpContext context) => First(context, "/changed-no-etag.ndjson")
            ? DropAsync(context, Body, Cut, "\"v1\"")
            : PlainAsync(context, Changed));
        // at-end: the first response sends every byte (chunked), then drops before its end; the resume asks from the end.
        _files.MapGet("/at-end.ndjson", (HttpContext context) => First(context, "/at-end.ndjson")
            ? DropAsync(context, Body, Body.Length, etag: null, announceLength: false)
            : File(context, Body, etag: null));
        // stalls-gzip: the first response sends ten lines (flushed, decodable) and then nothing; the restart reads it again.
        _files.MapGet("/stalls-gzip.ndjson", (HttpContext context) => First(context, "/stalls-gzip.ndjson")
            ? StallAsync(context)
            : File(context, Gzipped, "\"s1\"", gzip: true));
        _port = await LocalSource.StartAsync(_files);
    }

    public async Task DisposeAsync() => await _files.DisposeAsync();

    [Theory]
    [InlineData(2)]
    [InlineData(500)]
    public async Task A_gzip_encoded_source_that_honours_Range_is_read_again_from_its_start_after_a_drop_and_imports_every_line(int batchSize)
    {
        using var host = Host(batchSize);
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Patient", Url("gzip"))));

        Assert.Empty((await ImportClient.ErrorsAsync(client, result)).Select(ImportClient.Diagnostics));
        Assert.Equal(40, ImportClient.Counts(result)["Patient"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/d40")).StatusCode);
        // Never a Range: it would count compressed bytes, the reader counts decoded ones.
        Assert.Equal([null, null], _requests.Where(r => r.Path == "/gzip.ndjson").Select(r => r.Range));
    }

    [Fact]
    public async Task A_gzip_encoded_source_is_read_again_from_its_start_when_a_restarted_job_resumes_and_every_line_is_written_once()
    {
        var settings = new Dictionary<string, string?>(Settings(batchSize: 2));
        string directory, status;
        using (var first = new FhirPortalHost(settings: settings) { KeepData = true })
        {
            directory = first.DataDirectory;
            var client = first.CreateFhirClient();
            status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(("Patient", Url("stalls-gzip"))));
            var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while ((await client.GetAsync("Patient/d10")).StatusCode != HttpStatusCode.OK && DateTime.UtcNow < until) await Task.Delay(20);
            // The checkpoint after that batch is saved just after its commit.
            await Task.Delay(500);
        }
        try
        {
            using var second = new FhirPortalHost(directory, settings);
            var client = second.CreateFhirClient();
            var result = await BulkClient.WaitAsync(client, status);

            Assert.Empty((await ImportClient.ErrorsAsync(client, result)).Select(ImportClient.Diagnostics));
            Assert.Equal(40, ImportClient.Counts(result)["Patient"]);
            Assert.Equal([null, null], _requests.Where(r => r.Path == "/stalls-gzip.ndjson").Select(r => r.Range));
            // The lines done before the restart were skipped, not written again.
            var history = await (await client.GetAsync("Patient/d1/_history")).ReadJsonAsync();
            Assert.Single(history["entry"]!.AsArray());
        }
        finally
        {
            FhirPortalHost.TryDelete(directory);
        }
    }

    [Theory]
    [InlineData("changed-etag", "ETag was \"v1\", now \"v2\"")]
    [InlineData("changed-no-etag", "ETag was \"v1\", now none")]
    public async Task A_source_that_changed_between_the_drop_and_the_retry_ends_the_input_with_a_source_changed_error(string source, string reason)
    {
        using var host = Host(batchSize: 2);
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Patient", Url(source))));

        var diagnostics = ImportClient.Diagnostics(Assert.Single(await ImportClient.ErrorsAsync(client, result)));
        Assert.Contains("source changed while importing", diagnostics, StringComparison.Ordinal);
        Assert.Contains(reason, diagnostics, StringComparison.Ordinal);
        Assert.Contains("after line 3", diagnostics, StringComparison.Ordinal);
        Assert.Equal(3, ImportClient.Counts(result)["Patient"]);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("Patient/c4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("Patient/d4")).StatusCode);
        // The retry was conditional on the first response's ETag.
        Assert.Equal("\"v1\"", _requests.Last(r => r.Path == $"/{source}.ndjson").IfRange);
    }

    [Fact]
    public async Task A_resume_exactly_at_the_end_of_the_source_answered_416_is_the_end_of_the_input_not_an_error()
    {
        using var host = Host(batchSize: 2);
        var client = host.CreateFhirClient();

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Patient", Url("at-end"))));

        Assert.Empty((await ImportClient.ErrorsAsync(client, result)).Select(ImportClient.Diagnostics));
        Assert.Equal(40, ImportClient.Counts(result)["Patient"]);
        Assert.Equal([null, $"bytes={Body.Length}-"], _requests.Where(r => r.Path == "/at-end.ndjson").Select(r => r.Range));
    }

    private static FhirPortalHost Host(int batchSize) => new(settings: Settings(batchSize));

    private static Dictionary<string, string?> Settings(int batchSize) => new()
    {
        ["FhirPortal:Import:AllowedHosts:0"] = "127.0.0.1",
        ["FhirPortal:Import:AllowPrivateAddresses"] = "true",
        ["FhirPortal:Import:ReadRetries"] = "2",
        ["FhirPortal:Import:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private string Url(string name) => $"http://127.0.0.1:{_port}/{name}.ndjson";

    private bool First(HttpContext context, string path) => _requests.Count(r => r.Path == path) == 1;

    private static Task File(HttpContext context, byte[] body, string? etag, bool gzip = false)
    {
        if (gzip) context.Response.Headers.ContentEncoding = "gzip";
        return Results.File(body, "application/fhir+ndjson", entityTag: etag is null ? null : new EntityTagHeaderValue(etag), enableRangeProcessing: true)
            .ExecuteAsync(context);
    }

    private static Task PlainAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/fhir+ndjson";
        return context.Response.Body.WriteAsync(body).AsTask();
    }

    /// <summary>Sends the body up to <paramref name="cut"/> (announcing its whole length unless told not to), then drops the connection.</summary>
    private static async Task DropAsync(HttpContext context, byte[] body, int cut, string? etag, bool gzip = false, bool announceLength = true)
    {
        context.Response.ContentType = "application/fhir+ndjson";
        if (etag is not null) context.Response.Headers.ETag = etag;
        if (gzip) context.Response.Headers.ContentEncoding = "gzip";
        if (announceLength) context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body.AsMemory(0, cut));
        await context.Response.Body.FlushAsync();
        // Given time to arrive: a reset that overtakes them would discard the bytes the client has not read yet.
        await Task.Delay(300);
        context.Abort();
    }

    /// <summary>Sends the first ten lines gzip-encoded (flushed so they decode), then nothing until the client goes away.</summary>
    private static async Task StallAsync(HttpContext context)
    {
        context.Response.ContentType = "application/fhir+ndjson";
        context.Response.Headers.ETag = "\"s1\"";
        context.Response.Headers.ContentEncoding = "gzip";
        await using (var gzip = new GZipStream(context.Response.Body, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(Body.AsMemory(0, IndexAfterLine(Body, 10)));
            await gzip.FlushAsync();
            await context.Response.Body.FlushAsync();
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { }
        }
    }

    private static byte[] Lines(string prefix, int count) => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, count)
        .Select(i => $$"""{"resourceType":"Patient","id":"{{prefix}}{{i}}","name":[{"family":"Resume{{i}}"}]}""" + "\n")));

    private static byte[] Gzip(byte[] body)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal)) gzip.Write(body);
        return buffer.ToArray();
    }

    private static int IndexAfterLine(byte[] body, int line)
    {
        var index = -1;
        for (var i = 0; i < line; i++) index = Array.IndexOf(body, (byte)'\n', index + 1);
        return index + 1;
    }
}

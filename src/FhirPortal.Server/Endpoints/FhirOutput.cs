using System.Globalization;
using System.Text.Json;
using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>Writes FHIR responses: a stored resource (streamed as stored when possible), a POCO, or a Bundle.</summary>
public static class FhirOutput
{
    private static readonly JsonWriterOptions JsonOptions =
        new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteStoredAsync(HttpContext context, StoredResource stored, int status, bool withBody = true)
    {
        var shape = OutputShape.From(context.Request);
        var response = context.Response;
        response.StatusCode = status;
        VersionHeaders(response, stored);
        if (!withBody) return;
        response.ContentType = FhirFormats.MediaType(shape.Format) + "; charset=utf-8";
        if (shape.IsPlainJson)
        {
            // A known length: no chunked framing around the stored bytes.
            response.ContentLength = stored.Json.Length;
            await response.Body.WriteAsync(stored.Json, context.RequestAborted);
            return;
        }
        var resource = FhirParser.ParseStored(stored.Json.Span);
        await WriteBytesAsync(context, Serialize(resource, shape));
    }

    public static async Task WritePocoAsync(HttpContext context, Resource resource, int status)
    {
        OutputShape shape;
        try { shape = OutputShape.From(context.Request); }
        catch (FhirOutcomeException) { shape = new OutputShape(FhirFormat.Json, false, null, null); }
        context.Response.StatusCode = status;
        context.Response.ContentType = FhirFormats.MediaType(shape.Format) + "; charset=utf-8";
        await WriteBytesAsync(context, Serialize(resource, shape));
    }

    public static async Task WriteBundleAsync(HttpContext context, BundleResult bundle, string baseUrl, int status = 200)
    {
        var shape = OutputShape.From(context.Request);
        context.Response.StatusCode = status;
        context.Response.ContentType = FhirFormats.MediaType(shape.Format) + "; charset=utf-8";
        if (shape.IsPlainJson)
        {
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, JsonOptions);
            BundleJsonWriter.Write(writer, bundle, baseUrl);
            await writer.FlushAsync(context.RequestAborted);
            return;
        }
        await WriteBytesAsync(context, Serialize(BundleMaterializer.ToPoco(bundle, baseUrl), shape));
    }

    /// <summary>
    /// A Bundle as one file to save (Content-Disposition: attachment, <paramref name="name"/>.json or .xml), written as
    /// its <paramref name="pages"/> of entries arrive: one page in memory. The first page is read before the headers go
    /// out, so an error there is still an OperationOutcome response.
    /// </summary>
    public static async Task WriteBundleFileAsync(
        HttpContext context, string name, BundleResult head, IAsyncEnumerable<IReadOnlyList<BundleEntryResult>> pages, string baseUrl)
    {
        var ct = context.RequestAborted;
        var format = OutputShape.From(context.Request).Format;
        await using var page = pages.GetAsyncEnumerator(ct);
        var hasPage = await page.MoveNextAsync();
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = FhirFormats.MediaType(format) + "; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{name}.{(format == FhirFormat.Json ? "json" : "xml")}\"";
        if (format == FhirFormat.Json)
        {
            await using var w = new Utf8JsonWriter(response.BodyWriter, JsonOptions);
            BundleJsonWriter.WriteHead(w, head);
            var first = true;
            for (; hasPage; hasPage = await page.MoveNextAsync())
            {
                foreach (var entry in page.Current)
                {
                    BundleJsonWriter.WriteEntry(w, entry, baseUrl, first);
                    first = false;
                }
                await w.FlushAsync(ct);
            }
            BundleJsonWriter.WriteEnd(w, anyEntries: !first);
            await w.FlushAsync(ct);
            return;
        }
        await using var x = BundleXmlWriter.Create(response.Body);
        await BundleXmlWriter.WriteHeadAsync(x, head);
        for (; hasPage; hasPage = await page.MoveNextAsync())
        {
            foreach (var entry in page.Current) await BundleXmlWriter.WriteEntryAsync(x, entry, baseUrl);
            await x.FlushAsync();
        }
        await BundleXmlWriter.WriteEndAsync(x);
        await x.FlushAsync();
    }

    public static void VersionHeaders(HttpResponse response, StoredResource stored)
    {
        response.Headers.ETag = ETags.ForVersion(stored.VersionId);
        response.Headers.LastModified = stored.LastUpdated.ToString("R", CultureInfo.InvariantCulture);
    }

    private static byte[] Serialize(Resource resource, OutputShape shape)
    {
        shape.MarkSubsetted(resource);
        return shape.Format == FhirFormat.Json
            ? FhirSerializer.ToJsonBytes(resource, shape.Pretty, shape.Filter)
            : FhirSerializer.ToXmlBytes(resource, shape.Pretty, shape.Filter);
    }

    private static async Task WriteBytesAsync(HttpContext context, byte[] bytes)
    {
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}

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
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            BundleJsonWriter.Write(writer, bundle, baseUrl);
            await writer.FlushAsync(context.RequestAborted);
            return;
        }
        await WriteBytesAsync(context, Serialize(BundleMaterializer.ToPoco(bundle, baseUrl), shape));
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

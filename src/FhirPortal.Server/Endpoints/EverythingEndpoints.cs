using System.Text.Json;
using FhirPortal.Core.Access;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Patient/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html), GET or POST (Parameters body),
/// for one patient or (type level) every patient. <c>_download=true</c> returns the whole record as one Bundle
/// file (Content-Disposition: attachment), streamed page by page instead of paged with next links.
/// </summary>
public static class EverythingEndpoints
{
    public static RouteGroupBuilder MapEverythingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Patient/$everything", Type).WithSummary("$everything for every patient");
        fhir.MapPost("/Patient/$everything", Type).WithSummary("$everything for every patient (Parameters body)");
        fhir.MapGet("/Patient/{id}/$everything", Instance).WithSummary("a patient's whole record ($everything)");
        fhir.MapPost("/Patient/{id}/$everything", Instance).WithSummary("a patient's whole record ($everything, Parameters body)");
        return fhir;
    }

    public static Task Type(HttpContext context, EverythingOperation everything, CallerContext callers) => RunAsync(context, null, everything, callers);

    public static Task Instance(HttpContext context, string id, EverythingOperation everything, CallerContext callers) =>
        RunAsync(context, id, everything, callers);

    private static async Task RunAsync(HttpContext context, string? id, EverythingOperation everything, CallerContext callers)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        var request = everything.Parse(id, parameters);
        // Note: the caller's scopes narrow every store query; a patient's app may not ask for another patient's record.
        if (id is not null) callers.Current.RequirePatientRecord(id);
        var access = DataAccess.For(callers.Current);
        var baseUrl = FhirPortal.Auth.FhirBase.Of(context);
        if (parameters.Any(p => p.Key == "_download" && p.Value == "true"))
        {
            await DownloadAsync(context, everything, request, access, baseUrl);
            return;
        }
        var bundle = await everything.PageAsync(baseUrl, request, access, context.RequestAborted);
        await FhirOutput.WriteBundleAsync(context, bundle, baseUrl);
    }

    /// <summary>The whole record in one searchset Bundle, written as the store's pages arrive (one page in memory).</summary>
    private static async Task DownloadAsync(HttpContext context, EverythingOperation everything, EverythingRequest request, DataAccess access, string baseUrl)
    {
        var format = OutputShape.From(context.Request).Format;
        var pages = everything.AllPagesAsync(request, access, context.RequestAborted).GetAsyncEnumerator(context.RequestAborted);
        // The first page is read before the headers go out, so a 404/410 is still an OperationOutcome response.
        var hasPage = await pages.MoveNextAsync();
        var name = request.PatientId is null ? "patients-everything" : $"Patient-{request.PatientId}-everything";
        context.Response.StatusCode = 200;
        context.Response.ContentType = FhirFormats.MediaType(format) + "; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}.{(format == FhirFormat.Json ? "json" : "xml")}\"";
        var root = baseUrl.TrimEnd('/');
        if (format == FhirFormat.Json)
        {
            await using var w = new Utf8JsonWriter(context.Response.BodyWriter, new JsonWriterOptions { SkipValidation = true });
            w.WriteStartObject();
            w.WriteString("resourceType", "Bundle");
            w.WriteString("id", Guid.NewGuid().ToString());
            w.WriteString("type", "searchset");
            w.WriteStartArray("entry");
            for (; hasPage; hasPage = await pages.MoveNextAsync())
            {
                foreach (var stored in pages.Current)
                {
                    w.WriteStartObject();
                    w.WriteString("fullUrl", $"{root}/{stored.Key}");
                    w.WritePropertyName("resource");
                    w.WriteRawValue(stored.Json.Span, skipInputValidation: true);
                    w.WriteStartObject("search");
                    w.WriteString("mode", "match");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
                await w.FlushAsync(context.RequestAborted);
            }
            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync(context.RequestAborted);
        }
        else
        {
            await using var w = System.Xml.XmlWriter.Create(context.Response.Body, new System.Xml.XmlWriterSettings { Async = true });
            await w.WriteStartElementAsync(null, "Bundle", "http://hl7.org/fhir");
            await Value(w, "id", Guid.NewGuid().ToString());
            await Value(w, "type", "searchset");
            for (; hasPage; hasPage = await pages.MoveNextAsync())
            {
                foreach (var stored in pages.Current)
                {
                    await w.WriteStartElementAsync(null, "entry", null);
                    await Value(w, "fullUrl", $"{root}/{stored.Key}");
                    await w.WriteStartElementAsync(null, "resource", null);
                    using (var reader = System.Xml.XmlReader.Create(new MemoryStream(FhirSerializer.ToXmlBytes(FhirParser.ParseStored(stored.Json.Span)))))
                        await w.WriteNodeAsync(SkipDeclaration(reader), defattr: false);
                    await w.WriteEndElementAsync();
                    await w.WriteStartElementAsync(null, "search", null);
                    await Value(w, "mode", "match");
                    await w.WriteEndElementAsync();
                    await w.WriteEndElementAsync();
                }
                await w.FlushAsync();
            }
            await w.WriteEndElementAsync();
        }
        await pages.DisposeAsync();
    }

    private static async Task Value(System.Xml.XmlWriter w, string element, string value)
    {
        await w.WriteStartElementAsync(null, element, null);
        await w.WriteAttributeStringAsync(null, "value", null, value);
        await w.WriteEndElementAsync();
    }

    private static System.Xml.XmlReader SkipDeclaration(System.Xml.XmlReader reader)
    {
        reader.MoveToContent();
        return reader;
    }
}

using FhirPortal.Core.Interactions;
using FhirPortal.Core.Messaging;
using Microsoft.Net.Http.Headers;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Secure-messaging endpoints: raw attachment upload (<c>POST Binary</c> with the bytes) and download
/// (<c>GET Binary/{id}</c> with a non-FHIR Accept), https://hl7.org/fhir/R4/binary.html#rest. A FHIR body or Accept
/// goes to the ordinary create and read, so Binaries written as FHIR resources work as before. And
/// <c>Communication/{id}/$mark-read</c> (read receipts).
/// </summary>
internal static class MessagingEndpoints
{
    public static RouteGroupBuilder MapMessagingApi(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/Binary", UploadAsync).WithSummary("create a Binary: raw attachment bytes (pdf, jpeg, png, heic, text/plain; X-Security-Context) or a FHIR Binary resource");
        fhir.MapMethods("/Binary/{id:regex(^[A-Za-z0-9\\-\\.]{{1,64}}$)}", [HttpMethods.Get, HttpMethods.Head], DownloadAsync).WithMetadata(RawBinaryRead).WithSummary("read a Binary: its bytes (Accept: its content type) or the FHIR resource");
        fhir.MapPost("/Communication/{id}/$mark-read", MarkReadAsync).WithSummary("mark a message read: a recipient's first call sets received ($mark-read)");
        return fhir;
    }

    /// <summary>Marks the download route, whose non-FHIR Accept the group's format check lets through.</summary>
    private static readonly object RawBinaryRead = new();

    /// <summary>A <c>GET Binary/{id}</c> asking for the bytes (an Accept that names no FHIR format).</summary>
    public static bool IsRawBinaryRead(HttpContext context) =>
        context.GetEndpoint()?.Metadata.Contains(RawBinaryRead) == true && !WantsFhir(context.Request);

    private static async Task MarkReadAsync(HttpContext context, string id, MessageReceipts receipts) =>
        await FhirOutput.WriteStoredAsync(context, await receipts.MarkReadAsync(id, context.RequestAborted), 200);

    private static async Task UploadAsync(HttpContext context, BinaryAttachments attachments, CreateInteraction create)
    {
        if (IsFhir(context.Request.ContentType))
        {
            await TypeEndpoints.Create(context, "Binary", create);
            return;
        }
        FhirRequest.RequireIdentityEncoding(context.Request);
        Core.InteractionResult result;
        try
        {
            result = await attachments.UploadAsync(context.Request.ContentType ?? "", context.Request.Body, context.Request.ContentLength,
                FhirRequest.Header(context.Request, "X-Security-Context"), context.RequestAborted);
        }
        catch (Exception e) when (FhirRequest.IsCorruptCompression(e))
        {
            throw FhirRequest.CorruptCompression(e);
        }
        await InteractionResponses.WriteAsync(context, result);
    }

    private static async Task DownloadAsync(HttpContext context, string id, BinaryAttachments attachments, ReadInteraction read)
    {
        if (WantsFhir(context.Request))
        {
            await InstanceEndpoints.Read(context, "Binary", id, read);
            return;
        }
        var (binary, content, length) = await attachments.OpenAsync(id, context.RequestAborted);
        await using (content)
        {
            // Note: only the upload types are served as themselves (a FHIR-created Binary may say text/html); the bytes
            // are never sniffed or rendered inline on the server's origin.
            var mediaType = binary.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
            context.Response.ContentType = mediaType is not null && BinaryAttachments.AllowedTypes.Contains(mediaType) ? binary.ContentType : "application/octet-stream";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.ContentDisposition = "attachment";
            context.Response.ContentLength = length;
            context.Response.Headers.ETag = $"W/\"{binary.Meta?.VersionId}\"";
            if (binary.SecurityContext?.Reference is { } securityContext) context.Response.Headers["X-Security-Context"] = securityContext;
            if (HttpMethods.IsHead(context.Request.Method)) return;
            await content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    /// <summary>A FHIR JSON/XML body (the Binary as a resource); anything else is the attachment's bytes.</summary>
    private static bool IsFhir(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && parsed.MediaType.Value?.ToLowerInvariant() is FhirFormats.JsonMediaType or FhirFormats.XmlMediaType or "application/json" or "application/xml"
            or "application/json+fhir" or "application/xml+fhir" or "text/json" or "text/xml";

    /// <summary>
    /// The FHIR resource unless the client asks for something else: no Accept, <c>*/*</c>, a FHIR type or <c>_format</c>
    /// keep today's behaviour; an Accept naming another media type (the content type) gets the bytes.
    /// </summary>
    private static bool WantsFhir(HttpRequest request)
    {
        if (request.Query.ContainsKey("_format")) return true;
        var accept = request.Headers.Accept.ToString();
        if (string.IsNullOrWhiteSpace(accept) || !MediaTypeHeaderValue.TryParseList(request.Headers.Accept.OfType<string>().ToArray(), out var ranges)) return true;
        return ranges.Any(r => r.MediaType.Value is "*/*" || IsFhir(r.MediaType.Value));
    }
}

using FhirPortal.Core.Summary;

namespace FhirPortal.Server.Endpoints;

/// <summary>Writes a rendered download (PDF, HTML) as an attachment that a browser saves instead of showing or running.</summary>
internal static class ReadableDownload
{
    public static async Task WriteAsync(HttpContext context, ReadableFile file)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = file.MediaType;
        response.Headers.ContentDisposition = $"attachment; filename=\"{file.Name}.{file.Extension}\"";
        // Note: the HTML carries patient text; the server-wide headers (SecurityHeaders: nosniff, a Content-Security-Policy
        // with default-src 'none') keep it from running anything if a browser opens it in place.
        response.ContentLength = file.Content!.Length;
        await response.Body.WriteAsync(file.Content, context.RequestAborted);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.Core;
using FhirPortal.Core.Sharing;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Share links (SMART Health Links). The patient's operations under /fhir (<c>Patient/{id}/$share-link</c>,
/// <c>$share-links</c>, <c>$share-link-revoke</c>) and the recipients' routes outside it, reached without a token:
/// <c>POST /shl/{link}</c> (manifest), <c>GET /shl/{link}?recipient=</c> (direct mode) and <c>GET /shl/{link}/file/{ticket}</c> (a file location from a manifest).
/// Each parses the request, makes one call into Core.Sharing and writes the result.
/// </summary>
internal static class ShareLinkEndpoints
{
    private const int MaxManifestRequestBytes = 16 * 1024;

    public static RouteGroupBuilder MapShareLinkApi(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/Patient/{id}/$share-link", CreateAsync).WithSummary("create a share link (SMART Health Link) to the patient's summary");
        fhir.MapMethods("/Patient/{id}/$share-links", [HttpMethods.Get, HttpMethods.Head], ListAsync).WithSummary("the patient's share links");
        fhir.MapPost("/Patient/{id}/$share-link-revoke", RevokeAsync).WithSummary("revoke a share link");
        return fhir;
    }

    /// <summary>The recipients' routes (SHL manifest and file locations): no token, the link itself is the credential; rate limited per client address.</summary>
    public static void MapShareLinkRecipients(this IEndpointRouteBuilder app)
    {
        var shl = app.MapGroup("/shl").WithTags("SMART Health Links").RequireRateLimiting(ShareLinkRateLimit.Policy);
        shl.MapPost("/{link}", ManifestAsync).WithSummary("SMART Health Link manifest (recipient, passcode, embeddedLengthMax)");
        shl.MapGet("/{link}", DirectAsync).WithSummary("a direct-mode (flag U) link's file (JWE), ?recipient=");
        shl.MapGet("/{link}/file/{ticket}", FileAsync).WithSummary("a file location a manifest handed out (JWE)");
    }

    private static async Task CreateAsync(HttpContext context, string id, ShareLinks links)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        await FhirOutput.WritePocoAsync(context, await links.CreateAsync(ShlBase(context), id, parameters, context.RequestAborted), StatusCodes.Status200OK);
    }

    private static async Task ListAsync(HttpContext context, string id, ShareLinks links) =>
        await FhirOutput.WritePocoAsync(context, await links.ListAsync(id, context.RequestAborted), StatusCodes.Status200OK);

    private static async Task RevokeAsync(HttpContext context, string id, ShareLinks links)
    {
        var parameters = await OperationRequest.ParametersAsync(context);
        await FhirOutput.WritePocoAsync(context, await links.RevokeAsync(id, parameters, context.RequestAborted), StatusCodes.Status200OK);
    }

    private static async Task ManifestAsync(HttpContext context, string link, ShareLinkManifests manifests)
    {
        var request = await ReadManifestRequestAsync(context);
        var answer = await manifests.ManifestAsync(FhirBase.Of(context), ShlBase(context), link, request, Address(context), context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        if (answer.Manifest is { } manifest)
        {
            await context.Response.WriteAsJsonAsync(manifest, context.RequestAborted);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["remainingAttempts"] = answer.RemainingAttempts }, context.RequestAborted);
    }

    private static async Task FileAsync(HttpContext context, string link, string ticket, ShareLinkManifests manifests)
    {
        var jwe = await manifests.FileAsync(FhirBase.Of(context), link, ticket, Address(context), context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/jose";
        await context.Response.WriteAsync(jwe, context.RequestAborted);
    }

    private static async Task DirectAsync(HttpContext context, string link, ShareLinkManifests manifests)
    {
        var jwe = await manifests.DirectAsync(FhirBase.Of(context), link, context.Request.Query["recipient"].FirstOrDefault(), Address(context), context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/jose";
        await context.Response.WriteAsync(jwe, context.RequestAborted);
    }

    /// <summary>The SHL manifest request body: a JSON object with <c>recipient</c>, <c>passcode</c>, <c>embeddedLengthMax</c>.</summary>
    private static async Task<ManifestRequest> ReadManifestRequestAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxManifestRequestBytes)
            throw FhirOutcomeException.TooLarge($"A manifest request has at most {MaxManifestRequestBytes} bytes.");
        using var limited = new MemoryStream();
        await context.Request.Body.CopyToAsync(limited, context.RequestAborted);
        if (limited.Length > MaxManifestRequestBytes)
            throw FhirOutcomeException.TooLarge($"A manifest request has at most {MaxManifestRequestBytes} bytes.");
        try
        {
            // Note: a name given twice is ambiguous (which recipient is audited?), so the parser refuses it.
            using var document = JsonDocument.Parse(limited.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false });
            var body = document.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
                throw FhirOutcomeException.BadRequest("A manifest request is a JSON object: {\"recipient\": ..., \"passcode\": ...}.");
            return new ManifestRequest(Text(body, "recipient"), Text(body, "passcode"),
                !body.TryGetProperty("embeddedLengthMax", out var max) || max.ValueKind == JsonValueKind.Null ? null
                : max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var length) ? length
                : throw FhirOutcomeException.BadRequest("embeddedLengthMax must be an integer.", "embeddedLengthMax"));
        }
        catch (JsonException e)
        {
            throw FhirOutcomeException.BadRequest($"A manifest request is a JSON object: {e.Message}");
        }
    }

    private static string? Text(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw FhirOutcomeException.BadRequest($"{name} must be a string.", name);

    /// <summary>Manifest URLs live beside the FHIR base: <c>https://host/fhir</c> → <c>https://host/shl</c>.</summary>
    private static string ShlBase(HttpContext context)
    {
        var fhir = FhirBase.Of(context);
        return (fhir.EndsWith("/fhir", StringComparison.Ordinal) ? fhir[..^"/fhir".Length] : fhir) + "/shl";
    }

    private static string? Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}

using FhirPortal.Core;
using Microsoft.Net.Http.Headers;

namespace FhirPortal.Server.Endpoints;

/// <summary>The two FHIR wire formats.</summary>
public enum FhirFormat
{
    Json,
    Xml,
}

/// <summary>Content negotiation: <c>_format</c> wins over <c>Accept</c> (with q-values); request bodies by Content-Type.</summary>
public static class FhirFormats
{
    public const string JsonMediaType = "application/fhir+json";
    public const string XmlMediaType = "application/fhir+xml";

    public static string MediaType(FhirFormat format) => format == FhirFormat.Json ? JsonMediaType : XmlMediaType;

    /// <summary>
    /// True when the request has no <c>Accept</c> or a single plain JSON one (no list, no parameters): the answer
    /// <see cref="ForResponse"/> would give without parsing media types.
    /// </summary>
    public static bool AcceptsJsonPlainly(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        return accept.Count == 0
            || accept.Count == 1 && accept[0] is JsonMediaType or "application/json" or "*/*" or "" or null;
    }

    public static FhirFormat ForResponse(HttpRequest request)
    {
        var format = request.Query["_format"].ToString();
        if (format.Length > 0)
            return FromName(format) ?? throw NotAcceptable($"_format '{format}' is not supported; use json or xml.");

        var accept = request.Headers.Accept.ToString();
        if (string.IsNullOrWhiteSpace(accept)) return FhirFormat.Json;
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept.OfType<string>().ToArray(), out var ranges)) return FhirFormat.Json;

        FhirFormat? best = null;
        double bestQuality = 0;
        foreach (var range in ranges.OrderByDescending(r => r.Quality ?? 1))
        {
            var quality = range.Quality ?? 1;
            if (quality <= 0 || !IsR4(range)) continue;
            var candidate = range.MediaType.Value switch
            {
                "*/*" or "application/*" => FhirFormat.Json,
                var m => FromName(m!),
            };
            if (candidate is not null && quality > bestQuality)
            {
                best = candidate;
                bestQuality = quality;
            }
        }
        return best ?? throw NotAcceptable($"None of the accepted media types ({accept}) is available; use {JsonMediaType} or {XmlMediaType}.");
    }

    /// <summary>The format of a request body, or 415 when the Content-Type is missing or not FHIR.</summary>
    public static FhirFormat ForBody(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || contentType.MediaType.Value is not { } mediaType)
            throw FhirOutcomeException.UnsupportedMediaType($"A body needs a Content-Type of {JsonMediaType} or {XmlMediaType}.");
        if (contentType.Charset.HasValue && !contentType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            throw FhirOutcomeException.UnsupportedMediaType($"Only UTF-8 bodies are accepted, not charset {contentType.Charset}.");
        if (!IsR4(contentType))
            throw FhirOutcomeException.UnsupportedMediaType($"This server speaks FHIR R4 only (fhirVersion=4.0), not fhirVersion={FhirVersion(contentType)}.");
        return FromMediaType(mediaType)
            ?? throw FhirOutcomeException.UnsupportedMediaType($"Content-Type '{mediaType}' is not supported; use {JsonMediaType} or {XmlMediaType}.");
    }

    // R4 version negotiation (http.html#version-parameter): a fhirVersion parameter names the FHIR version; 4.0 is R4.
    private static bool IsR4(MediaTypeHeaderValue mediaType) => FhirVersion(mediaType) is null or "4.0" or "4.0.1";

    private static string? FhirVersion(MediaTypeHeaderValue mediaType) =>
        mediaType.Parameters.FirstOrDefault(p => p.Name.Equals("fhirVersion", StringComparison.OrdinalIgnoreCase))?.Value.ToString().Trim('"');

    private static FhirFormat? FromName(string name) => name.ToLowerInvariant() switch
    {
        "json" => FhirFormat.Json,
        "xml" => FhirFormat.Xml,
        var m => FromMediaType(m),
    };

    private static FhirFormat? FromMediaType(string mediaType) => mediaType.ToLowerInvariant() switch
    {
        JsonMediaType or "application/json" or "application/json+fhir" or "text/json" => FhirFormat.Json,
        XmlMediaType or "application/xml" or "text/xml" or "application/xml+fhir" => FhirFormat.Xml,
        _ => null,
    };

    private static FhirOutcomeException NotAcceptable(string message) =>
        FhirOutcomeException.Single(406, Hl7.Fhir.Model.OperationOutcome.IssueType.NotSupported, message);
}

using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>What every FHIR endpoint reads from an HTTP request: body, preferences, parameters (the base URL: Auth's FhirBase).</summary>
public static class FhirRequest
{
    public static async Task<Resource> ReadResourceAsync(HttpContext context, long maxBytes)
    {
        var format = FhirFormats.ForBody(context.Request);
        var body = await ReadBodyAsync(context, maxBytes);
        var parser = context.RequestServices.GetRequiredService<FhirParser>();
        return format == FhirFormat.Json ? parser.ParseJson(body) : parser.ParseXml(body);
    }

    /// <summary>
    /// Reads the whole body, refusing (413) anything over the limit before buffering it. A gzip, deflate or br body
    /// arrives here already decompressed (UseRequestDecompression), so the limit counts decompressed bytes and a
    /// zip bomb stops at the limit; any other Content-Encoding is a 415. A UTF-8 byte order mark is dropped.
    /// </summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext context, long maxBytes)
    {
        var request = context.Request;
        RequireIdentityEncoding(request);
        if (request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        using var buffer = new MemoryStream(request.ContentLength is { } n ? (int)n : 16 * 1024);
        var chunk = new byte[64 * 1024];
        int read;
        try
        {
            // Never ask for more than one byte past the limit: the decompression middleware's own cap (Kestrel's
            // MaxRequestBodySize, just above every FHIR limit) then never trips first with a bare exception.
            while ((read = await request.Body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length)), context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes) throw TooLarge(maxBytes);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (Exception e) when (IsCorruptCompression(e))
        {
            throw CorruptCompression(e);
        }
        var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (body.StartsWith(Utf8ByteOrderMark)) body = body[Utf8ByteOrderMark.Length..];
        if (body.Length == 0) throw FhirOutcomeException.BadRequest("The request needs a body.");
        return body.ToArray();
    }

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>What gzip/deflate (InvalidDataException) and Brotli (InvalidOperationException) throw on corrupt data.</summary>
    internal static bool IsCorruptCompression(Exception e) => e is InvalidDataException or InvalidOperationException;

    internal static FhirOutcomeException CorruptCompression(Exception e) =>
        FhirOutcomeException.BadRequest($"The compressed body could not be decompressed: {e.Message}");

    // The decompression middleware removes the header of every encoding it decoded; what is left is not supported.
    internal static void RequireIdentityEncoding(HttpRequest request)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            throw FhirOutcomeException.UnsupportedMediaType($"Content-Encoding '{encoding}' is not supported; use gzip, deflate or br.");
    }

    public static ReturnPreference ReturnPreference(HttpRequest request) => PreferValue(request, "return") switch
    {
        "minimal" => Core.ReturnPreference.Minimal,
        "OperationOutcome" => Core.ReturnPreference.OperationOutcome,
        _ => Core.ReturnPreference.Representation,
    };

    public static bool StrictHandling(HttpRequest request) => PreferValue(request, "handling") == "strict";

    public static IReadOnlyList<KeyValuePair<string, string>> Parameters(HttpRequest request) =>
        request.Query.SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? ""))).ToList();

    public static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var value) && value.Count > 0 ? value.ToString() : null;

    private static string? PreferValue(HttpRequest request, string key)
    {
        foreach (var header in request.Headers["Prefer"])
        foreach (var part in (header ?? "").Split(',', ';'))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2 && kv[0].Equals(key, StringComparison.OrdinalIgnoreCase)) return kv[1].Trim('"');
        }
        return null;
    }

    private static FhirOutcomeException TooLarge(long maxBytes) =>
        FhirOutcomeException.TooLarge($"The body is larger than the allowed {maxBytes} bytes.");
}

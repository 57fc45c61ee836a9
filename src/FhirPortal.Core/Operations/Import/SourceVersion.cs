using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Serialization;

namespace FhirPortal.Core.Operations.Import;

/// <summary>
/// What identifies the content of a URL input as first read (strong ETag, else Last-Modified; its stored length;
/// whether it came content-encoded), so a resume can tell the source still holds the same bytes.
/// </summary>
public sealed record SourceVersion(string? ETag, DateTimeOffset? LastModified, long? Length, bool Encoded)
{
    /// <summary>The version a response describes; the length is the whole representation's (a 206's or 416's Content-Range total).</summary>
    public static SourceVersion Of(HttpResponseMessage response)
    {
        var etag = response.Headers.ETag is { IsWeak: false } strong ? strong.Tag : null;
        var length = response.StatusCode is HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable
            ? response.Content.Headers.ContentRange?.Length
            : response.Content.Headers.ContentLength;
        return new(etag, response.Content.Headers.LastModified, length, response.Content.Headers.ContentEncoding.Count > 0);
    }

    /// <summary>The If-Range validator for a Range request, else null (no validator: the length check alone guards).</summary>
    [JsonIgnore]
    public RangeConditionHeaderValue? IfRange =>
        ETag is not null ? new RangeConditionHeaderValue(new EntityTagHeaderValue(ETag))
        : LastModified is { } modified ? new RangeConditionHeaderValue(modified)
        : null;

    /// <summary>
    /// Why <paramref name="now"/> is not the content first read, else null: the validator the first response had is
    /// gone or different, or the stored length differs (compared when both are known in the same encoding).
    /// </summary>
    public string? ChangedIn(SourceVersion now)
    {
        if (ETag is not null && now.ETag != ETag) return $"its ETag was {ETag}, now {now.ETag ?? "none"}";
        if (ETag is null && LastModified is not null && now.LastModified != LastModified)
            return $"it was last modified {LastModified:R}, now {(now.LastModified is { } m ? m.ToString("R") : "unknown")}";
        if (Encoded == now.Encoded && Length is not null && now.Length is not null && Length != now.Length)
            return $"its length was {Length:N0} bytes, now {now.Length:N0}";
        return null;
    }
}

/// <summary>The source no longer holds the content an input was being read from; the input ends, it is not resumed.</summary>
internal sealed class SourceChangedException(string message) : IOException(message);

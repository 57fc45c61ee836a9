namespace FhirPortal.Core;

/// <summary>Weak ETags as FHIR uses them: <c>W/"versionId"</c>.</summary>
public static class ETags
{
    // Most resources are at one of their first versions: their ETags are made once, not on every response.
    private static readonly string[] Common = [.. Enumerable.Range(0, 64).Select(v => $"W/\"{v}\"")];

    public static string ForVersion(int versionId) =>
        (uint)versionId < (uint)Common.Length ? Common[versionId] : $"W/\"{versionId}\"";

    /// <summary>Reads a version id from an If-Match / ifMatch value; tolerant of a missing W/ prefix or quotes.</summary>
    public static int ParseVersion(string etag)
    {
        var v = etag.Trim();
        if (v.StartsWith("W/", StringComparison.Ordinal)) v = v[2..];
        v = v.Trim('"');
        return int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw FhirOutcomeException.BadRequest($"'{etag}' is not a version ETag such as W/\"3\".");
    }

    /// <summary>Throws 412 unless the current version is the one the client expects.</summary>
    public static void CheckIfMatch(string? ifMatch, Storage.StoredResource? current)
    {
        if (ifMatch is null) return;
        var expected = ParseVersion(ifMatch);
        if (current is null || current.IsDeleted || current.VersionId != expected)
            throw FhirOutcomeException.PreconditionFailed(
                $"If-Match expected version {expected}, but the current version is {(current is null ? "none" : current.IsDeleted ? "deleted" : current.VersionId.ToString())}.");
    }
}

using FhirPortal.Storage;

namespace FhirPortal.Core;

/// <summary>If-None-Match and If-Modified-Since on read: true when the client's copy is still current (304).</summary>
public static class ConditionalRead
{
    public static bool IsNotModified(StoredResource stored, string? ifNoneMatch, DateTimeOffset? ifModifiedSince)
    {
        if (!string.IsNullOrEmpty(ifNoneMatch))
            return ifNoneMatch.Split(',').Any(tag => tag.Trim() == "*" || SafeVersion(tag) == stored.VersionId);
        // HTTP dates have whole seconds; compare at that precision.
        return ifModifiedSince is { } since && stored.LastUpdated.ToUnixTimeSeconds() <= since.ToUnixTimeSeconds();
    }

    private static int? SafeVersion(string tag)
    {
        try { return ETags.ParseVersion(tag); }
        catch (FhirOutcomeException) { return null; }
    }
}

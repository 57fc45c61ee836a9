using System.Text.Json;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Cosmos DB refuses documents over 2 MB. A resource's current document holds its JSON (as a string) and its index
/// values, so a resource near that size is refused before anything is written, with a clear message, rather than
/// failing half-way through a transaction.
/// </summary>
internal static class CosmosDocumentLimit
{
    /// <summary>The service limit (2 MB) less room for the document's own fields.</summary>
    public const int MaxDocumentBytes = 2 * 1024 * 1024 - 16 * 1024;

    public static void Check(ResourceWrite write)
    {
        var raw = write.Version.Json.Length;
        // Small resources cannot come near the limit: skip the cost of measuring their index.
        if (raw < MaxDocumentBytes / 2) return;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(System.Text.Encoding.UTF8.GetString(write.Version.Json.Span)).Length
                    + (write.Index is null ? 0 : CosmosIndexJson.Write(write.Index).ToJsonString().Length);
        if (bytes > MaxDocumentBytes)
            throw new StoreLimitException(
                $"{write.Version.Key} would be a {bytes / 1024:N0} KB document; the Cosmos DB store keeps at most {MaxDocumentBytes / 1024:N0} KB per resource. " +
                "Reference large content by URL (Attachment.url) instead of inlining it.");
    }
}

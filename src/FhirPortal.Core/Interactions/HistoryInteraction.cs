using System.Globalization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// history at instance, type and system level (https://hl7.org/fhir/R4/http.html#history): newest first,
/// narrowed by <c>_since</c> and <c>_at</c>, paged with <c>_count</c> and a stable cursor.
/// </summary>
public sealed class HistoryInteraction(IResourceStore store, FhirLimits limits)
{
    public async Task<BundleResult> ExecuteAsync(string baseUrl, string? type, string? id, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        if (type is not null && id is not null && await store.ReadAsync(new ResourceKey(type, id), ct) is null)
            throw FhirOutcomeException.NotFound($"{type}/{id} is not known.");

        var count = limits.DefaultPageSize;
        DateTimeOffset? since = null;
        FhirDateRange? at = null;
        string? cursor = null;
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "_count":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count))
                        throw FhirOutcomeException.BadRequest($"_count must be a non-negative integer, not '{value}'.", "_count");
                    count = Math.Min(count, limits.MaxPageSize);
                    break;
                case "_since":
                    since = ParseDate(name, value).Start;
                    break;
                case "_at":
                    at = ParseDate(name, value);
                    break;
                case "_cursor":
                    cursor = value;
                    break;
            }
        }

        Page page;
        try
        {
            page = await store.HistoryAsync(new HistoryQuery(type, id, since, at?.Start, at?.End, count, cursor), ct);
        }
        catch (ArgumentException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, "_cursor");
        }
        var entries = page.Entries.Select(ToEntry).ToList();
        var path = string.Join("/", new[] { type, id, "_history" }.Where(p => p is not null));
        return new BundleResult(Bundle.BundleType.History, entries,
            PagingLinks.Build(baseUrl, path, parameters, cursor, count == 0 ? null : page.NextCursor));
    }

    private static BundleEntryResult ToEntry(StoredResource version) => new(
        version,
        RequestMethod: version.Method switch
        {
            WriteMethod.Create => Bundle.HTTPVerb.POST,
            WriteMethod.Update => Bundle.HTTPVerb.PUT,
            _ => Bundle.HTTPVerb.DELETE,
        },
        RequestUrl: version.Method == WriteMethod.Create ? version.Key.Type : version.Key.ToString(),
        Response: new EntryResponse(
            version.Method switch { WriteMethod.Create => "201 Created", WriteMethod.Update => "200 OK", _ => "204 No Content" },
            null, ETags.ForVersion(version.VersionId), version.LastUpdated));

    private static FhirDateRange ParseDate(string name, string value) =>
        FhirDateRange.TryParse(value, out var range)
            ? range
            : throw FhirOutcomeException.BadRequest($"{name} must be a FHIR date or instant, not '{value}'.", name);
}

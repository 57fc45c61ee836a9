using System.Globalization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// history at instance, type and system level (https://hl7.org/fhir/R4/http.html#history): newest first,
/// narrowed by <c>_since</c> and <c>_at</c>, paged with <c>_count</c> and a stable cursor. Instance history needs
/// read access to the resource; type and system history need search access (SMART v2 puts them under "s"). Each
/// version is shown only if the caller may see that version, so a restricted caller's page may be short.
/// </summary>
public sealed class HistoryInteraction(IResourceStore store, FhirLimits limits, CallerContext callers, AccessAudit audit)
{
    public Task<BundleResult> ExecuteAsync(string baseUrl, string? type, string? id, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct) =>
        audit.RecordAsync(id is not null ? "history-instance" : type is not null ? "history-type" : "history-system", type,
            AccessAudit.Describe(string.Join("/", new[] { type, id, "_history" }.Where(p => p is not null)), parameters),
            type == "Patient" && id is not null ? [id] : [],
            () => HistoryAsync(baseUrl, type, id, parameters, ct), BundleResult.Resources);

    private async Task<BundleResult> HistoryAsync(string baseUrl, string? type, string? id, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var access = callers.Current;
        var permission = id is null ? Permissions.Search : Permissions.Read;
        if (type is not null) access.Require(type, permission);
        else if (!access.IsUnrestricted && access.GrantedTypes(Permissions.Search).Count == 0)
            throw FhirOutcomeException.Forbidden("The access token has no scope that allows searching any resource type, so it cannot read system history.");
        if (type is not null && id is not null)
        {
            var current = await store.ReadAsync(new ResourceKey(type, id), ct) ?? throw FhirOutcomeException.NotFound($"{type}/{id} is not known.");
            await access.RequireReadAsync(current, Permissions.Read, ct);
        }

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
        var entries = new List<BundleEntryResult>(page.Entries.Count);
        foreach (var version in page.Entries)
            if (await access.MayReadAsync(version, permission, ct)) entries.Add(ToEntry(version));
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

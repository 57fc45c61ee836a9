using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>Where a search runs: a type, the whole system (<c>_type</c>), or a type inside a compartment.</summary>
public sealed record SearchScope(string? Type, CompartmentCondition? Compartment = null)
{
    /// <summary>The URL path the self/next/previous links repeat.</summary>
    public string Path => Compartment is { } c ? $"{c.CompartmentType}/{c.Id}/{Type}" : Type ?? "";
}

/// <summary>
/// search (https://hl7.org/fhir/R4/search.html). Parameters the server cannot use are an error under
/// <c>Prefer: handling=strict</c>; otherwise they are left out of the self link and reported in an
/// OperationOutcome entry.
/// </summary>
public sealed class SearchInteraction(IResourceStore store, SearchQueryParser parser, SearchExpansion expansion, FhirLimits limits, CallerContext callers, AccessAudit audit)
{
    public Task<BundleResult> ExecuteAsync(string baseUrl, SearchScope scope, IReadOnlyList<KeyValuePair<string, string>> parameters, bool strict, CancellationToken ct) =>
        audit.RecordAsync(scope.Type is null ? "search-system" : "search-type", scope.Type, AccessAudit.Describe(scope.Path, parameters),
            scope.Compartment is { CompartmentType: "Patient" } c ? [c.Id] : [],
            () => SearchAsync(baseUrl, scope, parameters, strict, ct), BundleResult.Resources);

    private async Task<BundleResult> SearchAsync(string baseUrl, SearchScope scope, IReadOnlyList<KeyValuePair<string, string>> parameters, bool strict, CancellationToken ct)
    {
        var access = callers.Current;
        if (scope is { Type: { } type, Compartment: { } compartment }) access.RequireCompartment(type, compartment);
        var parsed = Parse(scope, parameters, strict);
        // Narrowing comes after expansion: it wraps chain and _has matches in conditions expansion does not walk.
        var query = access.Narrow(await expansion.ResolveAsync(parsed.Query, ct));
        // Without _total the store still reports a total it knows without counting (one page holds every match).
        if (!parameters.Any(p => p.Key == "_total")) query = query with { Total = TotalMode.IfKnown };
        var summaryCount = parameters.Any(p => p.Key == "_summary" && p.Value == "count");
        if (summaryCount)
            query = query with { Count = 0, Cursor = null, Total = TotalMode.Accurate, Includes = [], RevIncludes = [] };

        Page page;
        try
        {
            page = await store.SearchAsync(query, ct);
        }
        catch (ArgumentException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, "_cursor");
        }
        // Note: _include/_revinclude follow references to any patient's data; each included resource is checked
        // against the caller's read restriction before it may leave the server.
        var included = new List<StoredResource>(page.Included.Count);
        foreach (var resource in page.Included)
            if (await access.MayReadAsync(resource, Permissions.Read, ct)) included.Add(resource);
        var entries = page.Entries.Select(r => new BundleEntryResult(r, SearchMode: Bundle.SearchEntryMode.Match))
            .Concat(included.Select(r => new BundleEntryResult(r, SearchMode: Bundle.SearchEntryMode.Include)))
            .ToList();
        if (parsed.Unsupported.Count > 0)
        {
            var outcome = Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.NotSupported,
                $"These parameters were ignored: {string.Join(", ", parsed.Unsupported)}.", null);
            entries.Add(new BundleEntryResult(null, outcome, Bundle.SearchEntryMode.Outcome));
        }
        var used = parameters.Where(p => !parsed.Unsupported.Contains(p.Key));
        var links = summaryCount
            ? PagingLinks.Build(baseUrl, scope.Path, used, null, null)
            : PagingLinks.Build(baseUrl, scope.Path, used, query.Cursor, query.Count == 0 ? null : page.NextCursor, page.PreviousCursor);
        return new BundleResult(Bundle.BundleType.Searchset, entries, links, (int?)page.Total);
    }

    private ParsedSearch Parse(SearchScope scope, IReadOnlyList<KeyValuePair<string, string>> parameters, bool strict)
    {
        ParsedSearch parsed;
        try
        {
            parsed = parser.Parse(scope.Type, parameters, limits.DefaultPageSize, limits.MaxPageSize);
        }
        catch (SearchParameterException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, e.Parameter);
        }
        if (strict && parsed.Unsupported.Count > 0)
            throw FhirOutcomeException.BadRequest(
                $"Unknown or unsupported search parameters{(scope.Type is null ? "" : " for " + scope.Type)}: {string.Join(", ", parsed.Unsupported)}.");
        if (scope.Compartment is { } compartment)
            parsed = parsed with { Query = parsed.Query with { Conditions = [.. parsed.Query.Conditions, compartment] } };
        return parsed;
    }
}

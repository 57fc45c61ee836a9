using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// search at type level (https://hl7.org/fhir/R4/search.html). Parameters the server cannot use are an error
/// under <c>Prefer: handling=strict</c>; otherwise they are left out of the self link and reported in an
/// OperationOutcome entry.
/// </summary>
public sealed class SearchInteraction(IResourceStore store, SearchQueryParser parser, FhirLimits limits)
{
    public async Task<BundleResult> ExecuteAsync(string baseUrl, string type, IReadOnlyList<KeyValuePair<string, string>> parameters, bool strict, CancellationToken ct)
    {
        ParsedSearch parsed;
        try
        {
            parsed = parser.Parse(type, parameters, limits.DefaultPageSize, limits.MaxPageSize);
        }
        catch (SearchParameterException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, e.Parameter);
        }
        if (strict && parsed.Unsupported.Count > 0)
            throw FhirOutcomeException.BadRequest($"Unknown or unsupported search parameters for {type}: {string.Join(", ", parsed.Unsupported)}.");

        if (parameters.Any(p => p.Key == "_summary" && p.Value == "count"))
            return await CountAsync(baseUrl, type, parameters, parsed, ct);

        Page page;
        try
        {
            page = await store.SearchAsync(parsed.Query, ct);
        }
        catch (ArgumentException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, "_cursor");
        }
        var entries = page.Entries.Select(r => new BundleEntryResult(r, SearchMode: Bundle.SearchEntryMode.Match)).ToList();
        if (parsed.Unsupported.Count > 0)
        {
            var outcome = Outcomes.Issue(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.NotSupported,
                $"These parameters were ignored: {string.Join(", ", parsed.Unsupported)}.", null);
            entries.Add(new BundleEntryResult(null, outcome, Bundle.SearchEntryMode.Outcome));
        }
        var used = parameters.Where(p => !parsed.Unsupported.Contains(p.Key));
        return new BundleResult(Bundle.BundleType.Searchset, entries,
            PagingLinks.Build(baseUrl, type, used, parsed.Query.Cursor, parsed.Query.Count == 0 ? null : page.NextCursor));
    }

    /// <summary><c>_summary=count</c>: a searchset with only the total number of matches, no entries.</summary>
    private async Task<BundleResult> CountAsync(string baseUrl, string type, IReadOnlyList<KeyValuePair<string, string>> parameters, ParsedSearch parsed, CancellationToken ct)
    {
        var query = parsed.Query with { Count = 0, Cursor = null, Total = TotalMode.Accurate, Includes = [], RevIncludes = [] };
        var total = (int)((await store.SearchAsync(query, ct)).Total ?? 0);
        var used = parameters.Where(p => !parsed.Unsupported.Contains(p.Key));
        return new BundleResult(Bundle.BundleType.Searchset, [], PagingLinks.Build(baseUrl, type, used, null, null), total);
    }
}

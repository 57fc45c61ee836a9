using FhirPortal.Core.Access;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Interactions;

/// <summary>
/// Search criteria of conditional create, update, delete and conditional references. Unlike a plain search,
/// an unknown parameter is an error here: ignoring it would widen the match and touch the wrong resource.
/// </summary>
public sealed class ConditionalCriteria(SearchQueryParser parser)
{
    public SearchQuery Parse(string resourceType, string queryString)
    {
        // Some clients send If-None-Exist as "Type?criteria"; the criteria are what follows the '?'.
        var q = queryString.IndexOf('?');
        var parameters = QueryString.Parse(q >= 0 ? queryString[(q + 1)..] : queryString);
        if (parameters.Count == 0)
            throw FhirOutcomeException.BadRequest($"Conditional criteria for {resourceType} are empty.");
        ParsedSearch parsed;
        try
        {
            parsed = parser.Parse(resourceType, parameters, defaultCount: 2, maxCount: 2);
        }
        catch (SearchParameterException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, e.Parameter);
        }
        if (parsed.Unsupported.Count > 0)
            throw FhirOutcomeException.BadRequest(
                $"Conditional criteria use parameters this server cannot search {resourceType} by: {string.Join(", ", parsed.Unsupported)}.");
        // Criteria are re-checked inside the commit, where no other resource can be read to expand them.
        if (parsed.Query.Conditions.Any(c => c is TerminologyCondition or ListCondition))
            throw FhirOutcomeException.BadRequest("Conditional criteria cannot use :in, :not-in, :below, :above or _list.");
        return SearchQuery.Criteria(resourceType, parsed.Query.Conditions);
    }

    /// <summary>
    /// The criteria narrowed to what the caller may touch with <paramref name="permission"/>: resources outside its
    /// grant neither match nor block, so conditional writes cannot reach or reveal other patients' data.
    /// </summary>
    internal SearchQuery ParseFor(UnitOfWork unit, string resourceType, string queryString, Permissions permission)
    {
        var query = Parse(resourceType, queryString);
        var restriction = unit.Access.Require(resourceType, permission);
        var conditions = query.Conditions.Select(c => unit.Access.NarrowTraversals(c)).Concat(restriction.Conditions()).ToList();
        return query with { Conditions = conditions };
    }

    /// <summary>Up to two matches: enough to tell none, one and several apart.</summary>
    internal async Task<IReadOnlyList<StoredResource>> MatchAsync(UnitOfWork unit, SearchQuery query, CancellationToken ct) =>
        (await unit.Store.SearchAsync(query with { Count = 2, Cursor = null }, ct)).Entries;
}

using FhirPortal.Core.Interactions;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Access;

/// <summary>
/// The one place access is decided (SMART App Launch 2.x scopes): turns a <see cref="Caller"/> into a
/// <see cref="CallerAccess"/> that every interaction, bundle entry and operation asks. Holds what the decisions
/// need from the rest of Core: the search parser (granular scope queries), the indexer (does this resource
/// satisfy a restriction) and the store (the content behind a deletion).
/// </summary>
public sealed class AccessPolicy(SearchQueryParser parser, SearchIndexer indexer, IResourceStore store)
{
    public CallerAccess For(Caller caller) => new(caller, this);

    internal IResourceStore Store => store;

    internal ResourceIndex Index(Resource resource) => indexer.Index(resource);

    /// <summary>
    /// The conditions of a granular scope's query for one type, or null when they cannot be applied (unknown or
    /// unsupported parameters, result parameters, or parameters that need other resources): such a grant then
    /// grants nothing for the type, rather than more than it says.
    /// </summary>
    internal IReadOnlyList<SearchCondition>? GranularConditions(string type, string query)
    {
        try
        {
            var parsed = parser.Parse(type, QueryString.Parse(query), defaultCount: 1, maxCount: 1);
            var q = parsed.Query;
            var usable = parsed.Unsupported.Count == 0 && q.Includes.Count == 0 && q.RevIncludes.Count == 0 && q.Sort.Count == 0
                         && q.Cursor is null && q.Conditions.Count > 0
                         && !q.Conditions.Any(c => c is TerminologyCondition or ListCondition);
            return usable ? q.Conditions : null;
        }
        catch (SearchParameterException)
        {
            return null;
        }
    }
}

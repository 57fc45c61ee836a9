namespace FhirPortal.Search;

/// <summary>The outcome of parsing search parameters: the query, plus the parameters (as written) it could not use.</summary>
public sealed record ParsedSearch(SearchQuery Query, IReadOnlyList<string> Unsupported);

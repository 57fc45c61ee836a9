namespace FhirPortal.Search;

/// <summary>A backend-neutral search: every condition must hold (AND); each store translates it once.</summary>
public sealed record SearchQuery(
    string ResourceType,
    IReadOnlyList<SearchCondition> Conditions,
    int Count,
    string? Cursor = null)
{
    /// <summary>A query that matches by criteria only, used for conditional interactions (no paging).</summary>
    public static SearchQuery Criteria(string resourceType, IReadOnlyList<SearchCondition> conditions) =>
        new(resourceType, conditions, Count: 2);
}

/// <summary>One condition of a search; the alternatives inside a condition are OR-ed.</summary>
public abstract record SearchCondition;

/// <summary><c>_id=a,b</c>: the logical id is one of the listed ids.</summary>
public sealed record IdCondition(IReadOnlyList<string> Ids) : SearchCondition;

/// <summary>A token parameter (<c>identifier=sys|val,val2</c>): any of the alternatives matches.</summary>
public sealed record TokenCondition(string Param, IReadOnlyList<TokenMatch> AnyOf) : SearchCondition;

/// <summary>How a token alternative treats the system part.</summary>
public enum SystemRule
{
    /// <summary><c>code</c>: any system, or none.</summary>
    Any,
    /// <summary><c>system|code</c> or <c>system|</c>: exactly this system.</summary>
    Exact,
    /// <summary><c>|code</c>: the value has no system.</summary>
    None,
}

/// <summary>One alternative of a token condition; a null code means "any code in the system".</summary>
public sealed record TokenMatch(SystemRule Rule, string? System, string? Code);

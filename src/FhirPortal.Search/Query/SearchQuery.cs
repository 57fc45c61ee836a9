namespace FhirPortal.Search;

/// <summary>
/// A backend-neutral search: every condition must hold (AND); alternatives inside a condition are OR-ed.
/// <see cref="ResourceType"/> is null for a system-level search, narrowed by <see cref="Types"/> (<c>_type</c>).
/// Each store translates it once (SQL for SQLite, Cosmos SQL for Cosmos DB).
/// </summary>
public sealed record SearchQuery(
    string? ResourceType,
    IReadOnlyList<SearchCondition> Conditions,
    int Count,
    string? Cursor = null)
{
    public IReadOnlyList<string>? Types { get; init; }
    public IReadOnlyList<SortKey> Sort { get; init; } = [];
    public TotalMode Total { get; init; } = TotalMode.None;
    public IReadOnlyList<IncludeSpec> Includes { get; init; } = [];
    public IReadOnlyList<IncludeSpec> RevIncludes { get; init; } = [];

    /// <summary>A query that matches by criteria only, used for conditional interactions (no paging).</summary>
    public static SearchQuery Criteria(string resourceType, IReadOnlyList<SearchCondition> conditions) =>
        new(resourceType, conditions, Count: 2);
}

/// <summary>
/// <c>_total</c>: whether and how precisely to count all matches. <see cref="IfKnown"/> (a search without
/// <c>_total</c>) gets an exact total only where the store knows it cheaply: always when a first page with no next
/// page shows it; a store may also count a bounded number of matches (SQLite: up to 1,000), never a full count.
/// </summary>
public enum TotalMode { None, Estimate, Accurate, IfKnown }

/// <summary>One <c>_sort</c> key: a search parameter (or <c>_lastUpdated</c>, <c>_id</c>), ascending unless descending.</summary>
public sealed record SortKey(string Param, bool Descending);

/// <summary>
/// <c>_include=Source:param[:Target]</c> (or <c>_revinclude</c>); <see cref="Param"/> "*" means every reference
/// parameter of the source type; <see cref="Iterate"/> applies it to included resources too.
/// </summary>
public sealed record IncludeSpec(string SourceType, string Param, string? TargetType, bool Iterate);

/// <summary>One condition of a search.</summary>
public abstract record SearchCondition;

/// <summary>The spec's comparison prefixes for number, date and quantity values.</summary>
public enum Prefix { Eq, Ne, Gt, Lt, Ge, Le, Sa, Eb, Ap }

/// <summary><c>_id=a,b</c>: the logical id is one of the listed ids; <c>_id:not=a,b</c> (<see cref="Not"/>): none of them.</summary>
public sealed record IdCondition(IReadOnlyList<string> Ids, bool Not = false) : SearchCondition;

/// <summary>Token modifiers a store evaluates (<c>:in</c>/<c>:not-in</c> are expanded to code lists before the store).</summary>
public enum TokenModifier { None, Not, Text }

/// <summary>A token parameter (<c>identifier=sys|val,val2</c>): any of the alternatives matches.</summary>
public sealed record TokenCondition(string Param, IReadOnlyList<TokenMatch> AnyOf, TokenModifier Modifier = TokenModifier.None) : SearchCondition;

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

/// <summary>One alternative of a token condition; a null code means "any code in the system". For <c>:text</c>, Code holds the text.</summary>
public sealed record TokenMatch(SystemRule Rule, string? System, string? Code);

/// <summary>String matching: starts-with by default, or <c>:exact</c>, <c>:contains</c>.</summary>
public enum StringModifier { StartsWith, Exact, Contains }

/// <summary>A string parameter; values are normalised the same way as <see cref="StringIndexValue.Normalized"/> except for :exact.</summary>
public sealed record StringCondition(string Param, IReadOnlyList<string> AnyOf, StringModifier Modifier = StringModifier.StartsWith) : SearchCondition;

/// <summary>A date parameter: each alternative compares a range with a prefix.</summary>
public sealed record DateCondition(string Param, IReadOnlyList<DateMatch> AnyOf) : SearchCondition;

public sealed record DateMatch(Prefix Prefix, FhirDateRange Range);

/// <summary>A number parameter; <see cref="NumberMatch.Low"/>/<see cref="NumberMatch.High"/> is the search value's precision range.</summary>
public sealed record NumberCondition(string Param, IReadOnlyList<NumberMatch> AnyOf) : SearchCondition;

public sealed record NumberMatch(Prefix Prefix, decimal Value, decimal Low, decimal High);

/// <summary>A quantity parameter (<c>5.4|http://unitsofmeasure.org|mg</c>), with the UCUM-canonical form when convertible.</summary>
public sealed record QuantityCondition(string Param, IReadOnlyList<QuantityMatch> AnyOf) : SearchCondition;

public sealed record QuantityMatch(
    Prefix Prefix, decimal Value, decimal Low, decimal High, string? System, string? Code,
    string? CanonicalCode = null, decimal? CanonicalValue = null);

/// <summary>A reference parameter: <c>Type/id</c>, plain id (any allowed type, or the <c>:Type</c> modifier), or absolute URL.</summary>
public sealed record ReferenceCondition(string Param, IReadOnlyList<ReferenceMatch> AnyOf) : SearchCondition;

public sealed record ReferenceMatch(string? TargetType, string? Id, string? Url);

/// <summary><c>param:identifier=sys|value</c> on a reference parameter: matches Reference.identifier.</summary>
public sealed record ReferenceIdentifierCondition(string Param, IReadOnlyList<TokenMatch> AnyOf) : SearchCondition;

/// <summary>uri modifiers: exact by default, <c>:above</c> (the value is a prefix of the search) or <c>:below</c>.</summary>
public enum UriModifier { None, Above, Below }

public sealed record UriCondition(string Param, IReadOnlyList<string> AnyOf, UriModifier Modifier = UriModifier.None) : SearchCondition;

/// <summary><c>param:missing=true|false</c>; the store needs the parameter's type to know where its values live.</summary>
public sealed record MissingCondition(string Param, Hl7.Fhir.Model.SearchParamType Type, bool Missing) : SearchCondition;

/// <summary>
/// A chained parameter (<c>subject:Patient.name=peter</c>): the reference parameter points at a resource of
/// <see cref="TargetType"/> that satisfies <see cref="Inner"/> (which may itself be a chain).
/// </summary>
public sealed record ChainCondition(string Param, string TargetType, SearchCondition Inner) : SearchCondition;

/// <summary>
/// Reverse chaining (<c>_has:Observation:patient:code=x</c>): some <see cref="SourceType"/> resource whose
/// <see cref="ReferenceParam"/> points at the candidate satisfies <see cref="Inner"/> (which may be another _has).
/// </summary>
public sealed record HasCondition(string SourceType, string ReferenceParam, SearchCondition Inner) : SearchCondition;

/// <summary>
/// A composite parameter: any alternative matches when all its component conditions hold on the same composite
/// occurrence. Component conditions name "<c>param#index</c>".
/// </summary>
public sealed record CompositeCondition(string Param, IReadOnlyList<IReadOnlyList<SearchCondition>> AnyOf) : SearchCondition;

/// <summary><c>_text</c> (narrative) or <c>_content</c> (all text) full-text search.</summary>
public sealed record TextCondition(bool NarrativeOnly, string Query) : SearchCondition;

/// <summary>Compartment search (<c>/Patient/123/Observation</c>): the resource is in that compartment.</summary>
public sealed record CompartmentCondition(string CompartmentType, string Id) : SearchCondition;

/// <summary>
/// A token condition that needs terminology: Core turns it into a plain <see cref="TokenCondition"/> (a set of
/// system|code) before the store sees the query.
/// </summary>
public abstract record TerminologyCondition(string Param) : SearchCondition;

/// <summary><c>code:in=ValueSet</c> / <c>:not-in</c>: the codes of the ValueSet's expansion (stored or core ValueSets).</summary>
public sealed record ValueSetCondition(string Param, string ValueSet, bool Not) : TerminologyCondition(Param);

/// <summary>
/// <c>code:below=system|code</c> (the code and the codes it subsumes) or <c>:above</c> (the code and those subsuming it)
/// in a CodeSystem with a hierarchy; several values are OR-ed.
/// </summary>
public sealed record SubsumptionCondition(string Param, IReadOnlyList<TokenMatch> AnyOf, bool Above) : TerminologyCondition(Param);

/// <summary><c>_list=id</c>: the resource is an item of that List; Core turns it into an <see cref="IdCondition"/>.</summary>
public sealed record ListCondition(string ListId) : SearchCondition;

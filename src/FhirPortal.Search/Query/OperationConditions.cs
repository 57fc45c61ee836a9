namespace FhirPortal.Search;

// Conditions that operations ($everything, $export) and access narrowing combine with ordinary search conditions.
// Each store translates them like any other condition, so paging, cursors and streaming work unchanged.

/// <summary>At least one alternative holds; each alternative is a list of conditions that must all hold (an empty list always holds).</summary>
public sealed record AnyOfCondition(IReadOnlyList<IReadOnlyList<SearchCondition>> Alternatives) : SearchCondition;

/// <summary>The resource's type is one of <see cref="Types"/> (or, with <see cref="Not"/>, none of them).</summary>
public sealed record TypeCondition(IReadOnlyList<string> Types, bool Not = false) : SearchCondition;

/// <summary>The resource is in one of the listed compartments of the type, or in any compartment of it when <see cref="Ids"/> is null.</summary>
public sealed record AnyCompartmentCondition(string CompartmentType, IReadOnlyList<string>? Ids) : SearchCondition;

/// <summary>
/// The resource sits outside every compartment of <see cref="CompartmentType"/> and is the target of a reference
/// (through a reference search parameter) from a resource in one of the listed compartments (any, when
/// <see cref="Ids"/> is null): the Practitioners, Organizations, Locations, Medications a patient's record points at.
/// Members of <see cref="IgnoredMemberTypes"/> point at nothing here (a patient's AuditEvents name who read the record).
/// </summary>
public sealed record CompartmentReferenceCondition(string CompartmentType, IReadOnlyList<string>? Ids, IReadOnlyList<string>? IgnoredMemberTypes = null)
    : SearchCondition;

/// <summary>The current version was written after <see cref="After"/> and no later than <see cref="NotAfter"/> (either may be open).</summary>
public sealed record LastUpdatedCondition(DateTimeOffset? After, DateTimeOffset? NotAfter) : SearchCondition;

/// <summary>
/// The resource is in the compartment of a current <see cref="CompartmentType"/> resource that satisfies
/// <see cref="Owner"/> (e.g. in the compartment of a Patient whose managing organization is X): access narrowing
/// for organization accounts.
/// </summary>
public sealed record CompartmentOwnerCondition(string CompartmentType, SearchCondition Owner) : SearchCondition;

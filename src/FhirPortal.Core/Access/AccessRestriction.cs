using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// What a caller may see of one resource type for one interaction: nothing, everything, or the resources that
/// satisfy at least one of <see cref="Alternatives"/> (each a list of conditions that must all hold — one per grant).
/// </summary>
public sealed class AccessRestriction
{
    private AccessRestriction(bool allowed, IReadOnlyList<IReadOnlyList<SearchCondition>>? alternatives) =>
        (Allowed, Alternatives) = (allowed, alternatives);

    public static AccessRestriction Denied { get; } = new(false, null);
    public static AccessRestriction None { get; } = new(true, null);
    public static AccessRestriction AnyOf(IReadOnlyList<IReadOnlyList<SearchCondition>> alternatives) => new(true, alternatives);

    /// <summary>False: no grant covers the type and interaction (403).</summary>
    public bool Allowed { get; }

    /// <summary>Null when the caller sees every resource of the type.</summary>
    public IReadOnlyList<IReadOnlyList<SearchCondition>>? Alternatives { get; }

    public bool IsUnrestricted => Allowed && Alternatives is null;

    /// <summary>The conditions to AND into a search of the type (empty when unrestricted).</summary>
    public IReadOnlyList<SearchCondition> Conditions() => Alternatives switch
    {
        null => [],
        [var only] => only,
        var many => [new AnyOfCondition(many)],
    };

    /// <summary><paramref name="inner"/> AND this restriction, as one condition (for the inner part of a chain or _has).</summary>
    public SearchCondition Narrow(SearchCondition inner) => Alternatives switch
    {
        null => inner,
        var many => new AnyOfCondition(many.Select(all => (IReadOnlyList<SearchCondition>)[inner, .. all]).ToList()),
    };
}

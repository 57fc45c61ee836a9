using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// Decides in memory whether one resource satisfies an <see cref="AccessRestriction"/>, from the index values
/// computed for it, with the same meaning the store gives those conditions in a search. Conditions it cannot
/// evaluate here (dates, quantities, text, chains) count as not satisfied: access fails closed.
/// </summary>
internal static class ResourceMatcher
{
    /// <param name="exclusive">For writes: a compartment condition needs the resource in that patient's compartment and no other's.</param>
    public static bool Satisfies(AccessRestriction restriction, ResourceIndex index, string type, string? id, bool exclusive) =>
        restriction.Allowed && (restriction.Alternatives is not { } alternatives
                                || alternatives.Any(all => all.All(c => Matches(c, index, type, id, exclusive))));

    internal static bool Matches(SearchCondition condition, ResourceIndex index, string type, string? id, bool exclusive) => condition switch
    {
        CompartmentCondition c => exclusive
            ? index.Compartments.Any(m => m.CompartmentType == c.CompartmentType)
              && index.Compartments.Where(m => m.CompartmentType == c.CompartmentType).All(m => m.Id == c.Id)
            : index.Compartments.Contains(new CompartmentIndexValue(c.CompartmentType, c.Id)),
        IdCondition ids => id is not null && ids.Ids.Contains(id) != ids.Not,
        TypeCondition types => types.Types.Contains(type),
        AnyOfCondition any => any.Alternatives.Any(all => all.All(c => Matches(c, index, type, id, exclusive))),
        TokenCondition { Modifier: TokenModifier.None } t =>
            index.Tokens.Any(v => v.Param == t.Param && t.AnyOf.Any(m => Token(m, v.System, v.Code))),
        TokenCondition { Modifier: TokenModifier.Not } t =>
            !index.Tokens.Any(v => v.Param == t.Param && t.AnyOf.Any(m => Token(m, v.System, v.Code))),
        ReferenceCondition r =>
            index.References.Any(v => v.Param == r.Param && r.AnyOf.Any(m => Reference(m, v))),
        UriCondition { Modifier: UriModifier.None } u =>
            index.Uris.Any(v => v.Param == u.Param && u.AnyOf.Contains(v.Value)),
        StringCondition s => index.Strings.Any(v => v.Param == s.Param && s.AnyOf.Any(value => s.Modifier switch
        {
            StringModifier.Exact => v.Exact == value,
            StringModifier.Contains => v.Normalized.Contains(value, StringComparison.Ordinal),
            _ => v.Normalized.StartsWith(value, StringComparison.Ordinal),
        })),
        MissingCondition m => HasValue(index, m.Param, m.Type) != m.Missing,
        _ => false,
    };

    private static bool HasValue(ResourceIndex index, string param, Hl7.Fhir.Model.SearchParamType type) => type switch
    {
        Hl7.Fhir.Model.SearchParamType.Token => index.Tokens.Any(v => v.Param == param),
        Hl7.Fhir.Model.SearchParamType.String => index.Strings.Any(v => v.Param == param),
        Hl7.Fhir.Model.SearchParamType.Date => index.Dates.Any(v => v.Param == param),
        Hl7.Fhir.Model.SearchParamType.Number => index.Numbers.Any(v => v.Param == param),
        Hl7.Fhir.Model.SearchParamType.Quantity => index.Quantities.Any(v => v.Param == param),
        Hl7.Fhir.Model.SearchParamType.Reference => index.References.Any(v => v.Param == param),
        Hl7.Fhir.Model.SearchParamType.Uri => index.Uris.Any(v => v.Param == param),
        _ => false,
    };

    private static bool Token(TokenMatch match, string? system, string? code) =>
        (match.Code is null || match.Code == code) && match.Rule switch
        {
            SystemRule.Exact => match.System == system,
            SystemRule.None => system is null,
            _ => true,
        };

    private static bool Reference(ReferenceMatch match, ReferenceIndexValue value) =>
        (match.Id is not null && match.Id == value.TargetId && (match.TargetType is null || match.TargetType == value.TargetType))
        || (match.Url is not null && match.Url == value.Url);
}

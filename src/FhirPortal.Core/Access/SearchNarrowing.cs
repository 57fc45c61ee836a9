using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// Narrows a search to what the caller may see: the searched type's restriction, each type's own restriction in a
/// system search, and — because a chain or <c>_has</c> is a search of another type — the restriction of every type
/// they traverse, so matching can never probe resources the caller cannot read.
/// </summary>
public static class SearchNarrowing
{
    public static SearchQuery Narrow(this CallerAccess access, SearchQuery query)
    {
        if (access.IsUnrestricted) return query;
        var conditions = query.Conditions.Select(c => access.NarrowTraversals(c)).ToList();
        if (query.ResourceType is { } type)
            return query with { Conditions = [.. conditions, .. access.Require(type, Permissions.Search).Conditions()] };

        var (types, narrowing) = access.SystemNarrowing(query.Types);
        return query with { Types = types, Conditions = [.. conditions, narrowing] };
    }

    /// <summary>
    /// A compartment search (<c>Patient/123/Observation</c>) names a patient; when every grant confines the type to
    /// a different patient's compartment the answer is 403, not an empty page that looks like "no data".
    /// </summary>
    public static void RequireCompartment(this CallerAccess access, string type, CompartmentCondition compartment)
    {
        var restriction = access.Require(type, Permissions.Search);
        if (restriction.Alternatives is { } alternatives
            && alternatives.All(all => all.Any(c => ConfinesElsewhere(c, compartment.CompartmentType, compartment.Id))))
            throw FhirOutcomeException.Forbidden(
                $"The access token is limited to another patient's compartment; it cannot search {compartment.CompartmentType}/{compartment.Id}/{type}.");
    }

    /// <summary>
    /// Operations on one patient's record ($everything, $export's <c>patient</c>): 403 when every grant that reaches
    /// compartment data is confined to another patient, so a patient's app cannot ask for someone else's record.
    /// </summary>
    public static void RequirePatientRecord(this CallerAccess access, string patientId)
    {
        if (access.IsUnrestricted) return;
        var types = access.GrantedTypes(Permissions.Search).Where(t => CompartmentMembership.PatientParameters(t).Count > 0).ToList();
        bool ConfinedElsewhere(string type) =>
            access.RestrictionFor(type, Permissions.Search).Alternatives is { } alternatives
            && alternatives.All(all => all.Any(c => ConfinesElsewhere(c, "Patient", patientId)));
        if (types.Count == 0 || types.All(ConfinedElsewhere))
            throw FhirOutcomeException.Forbidden($"The access token does not reach the record of Patient/{patientId}.");
    }

    /// <summary>
    /// A condition that confines to another compartment than <paramref name="id"/>'s: that compartment, or a
    /// patient-linked alternative (<see cref="PatientLinkedTypes"/>: "in the compartment of P or guarantor P") one of
    /// whose alternatives is.
    /// </summary>
    private static bool ConfinesElsewhere(SearchCondition condition, string compartmentType, string id) => condition switch
    {
        CompartmentCondition c => c.CompartmentType == compartmentType && c.Id != id,
        AnyOfCondition any => any.Alternatives.Any(all => all.Any(c => ConfinesElsewhere(c, compartmentType, id))),
        _ => false,
    };

    /// <summary>Confines the inner match of chains and <c>_has</c> to the traversed type's restriction (403 without a grant).</summary>
    public static SearchCondition NarrowTraversals(this CallerAccess access, SearchCondition condition) => condition switch
    {
        ChainCondition chain => chain with { Inner = access.Require(chain.TargetType, Permissions.Search).Narrow(access.NarrowTraversals(chain.Inner)) },
        HasCondition has => has with { Inner = access.Require(has.SourceType, Permissions.Search).Narrow(access.NarrowTraversals(has.Inner)) },
        _ => condition,
    };

    /// <summary>
    /// The types a system search may cover and one condition that applies each type's restriction to it. Without
    /// <c>_type</c> it covers the types the caller may search; a named type it may not search is a 403.
    /// </summary>
    public static (IReadOnlyList<string> Types, SearchCondition Narrowing) SystemNarrowing(this CallerAccess access, IReadOnlyList<string>? requested)
    {
        var candidates = requested ?? access.GrantedTypes(Permissions.Search);
        var unrestricted = new List<string>();
        var confinedTo = new Dictionary<string, List<string>>(StringComparer.Ordinal); // patient id → types confined to its compartment
        var alternatives = new List<IReadOnlyList<SearchCondition>>();
        foreach (var type in candidates)
        {
            var restriction = access.Require(type, Permissions.Search);
            if (restriction.Alternatives is not { } typeAlternatives) unrestricted.Add(type);
            else if (typeAlternatives is [[CompartmentCondition { CompartmentType: "Patient" } only]])
                (confinedTo.TryGetValue(only.Id, out var list) ? list : confinedTo[only.Id] = []).Add(type);
            else alternatives.AddRange(typeAlternatives.Select(all => (IReadOnlyList<SearchCondition>)[new TypeCondition([type]), .. all]));
        }
        if (candidates.Count == 0)
            throw FhirOutcomeException.Forbidden("The access token has no scope that allows searching any resource type.");
        // Grouping keeps the SQL small for the common patient/*.rs case: one alternative per compartment.
        foreach (var (patient, types) in confinedTo)
            alternatives.Add([new TypeCondition(types), new CompartmentCondition("Patient", patient)]);
        if (unrestricted.Count > 0) alternatives.Add([new TypeCondition(unrestricted)]);
        return (candidates, new AnyOfCondition(alternatives));
    }
}

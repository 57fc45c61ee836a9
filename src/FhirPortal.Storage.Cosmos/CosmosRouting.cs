using FhirPortal.Search;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Picks the one partition a search can run in, when the query itself proves that every match lives there
/// (CosmosPartitioning: a resource's current document sits in the partition of the first Patient named by its
/// type's first compartment parameter). Otherwise null: a cross-partition query. Routing must never change the
/// answer, so it only applies when the query pins that first reference:
/// <list type="bullet">
/// <item><c>Patient?_id=X</c>: a Patient is always in its own partition.</item>
/// <item>a reference condition on the type's first compartment parameter naming <c>Patient/X</c> only, when that
/// parameter holds one reference at most (Observation.subject): the match's first Patient reference is X.</item>
/// <item>the Patient/X compartment of a type whose only compartment parameter holds one reference at most
/// (Encounter, Immunization, ...): every member names X there. Types with more compartment parameters
/// (Observation: subject and performer) are not routed: an Observation of patient Y performed by X is in X's
/// compartment but in Y's partition.</item>
/// </list>
/// </summary>
internal static class CosmosRouting
{
    private static readonly SearchParameterRegistry Standard = SearchParameterRegistry.CreateDefault();

    public static string? PartitionKey(SearchQuery query)
    {
        if (query.ResourceType is not { } type) return null;
        foreach (var condition in query.Conditions)
        {
            if (Pinned(type, condition) is { } patient) return $"Patient/{patient}";
        }
        return null;
    }

    private static string? Pinned(string type, SearchCondition condition) => condition switch
    {
        IdCondition { Ids: [var id] } when type == "Patient" => id,
        // A Patient is in its own partition whatever it links to.
        _ when type == "Patient" => null,
        ReferenceCondition { AnyOf.Count: > 0 } r when FirstParameterIsSingle(type, r.Param) && r.AnyOf.All(m => m is { TargetType: "Patient", Id: not null, Url: null })
            && r.AnyOf.Select(m => m.Id).Distinct().Count() == 1 => r.AnyOf[0].Id,
        CompartmentCondition { CompartmentType: "Patient" } c when CompartmentMembership.PatientParameters(type) is [var only] && FirstParameterIsSingle(type, only) => c.Id,
        _ => null,
    };

    private static bool FirstParameterIsSingle(string type, string param) =>
        CompartmentMembership.PatientParameters(type) is [var first, ..] && first == param && IsSingle(type, param);

    /// <summary>Whether the standard parameter's expression is one path of elements that each occur once at most.</summary>
    private static bool IsSingle(string type, string param)
    {
        if (!Standard.TryGet(type, param, out var info) || info.Expression is not { } expression) return false;
        var path = WithoutResolveFilter(expression.Trim());
        if (path is null || path.Contains('|') || path.Contains('(')) return false;
        var steps = path.Split('.');
        if (steps[0] != type) return false;
        var mapping = ModelInfo.ModelInspector.FindClassMapping(type);
        foreach (var step in steps.Skip(1))
        {
            var property = mapping?.FindMappedElementByName(step);
            if (property is null || property.IsCollection) return false;
            mapping = property.PropertyTypeMapping as ClassMapping;
        }
        return true;
    }

    /// <summary>"X.subject.where(resolve() is Patient)" narrows values, never adds any: the path is "X.subject".</summary>
    private static string? WithoutResolveFilter(string expression)
    {
        const string filter = ".where(resolve() is Patient)";
        return expression.EndsWith(filter, StringComparison.Ordinal) ? expression[..^filter.Length] : expression;
    }
}

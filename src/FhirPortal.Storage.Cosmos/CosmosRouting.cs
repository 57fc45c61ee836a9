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
/// <item>a reference condition naming <c>Patient/X</c> only, on the element of the type's first compartment
/// parameter when it holds one reference at most (Observation.subject, also searched as patient): the match's
/// first Patient reference is X.</item>
/// <item>the Patient/X compartment of a type whose only compartment parameter holds one reference at most
/// (Encounter, Immunization, ...): every member names X there. Types with more compartment parameters
/// (Observation: subject and performer) are not routed: an Observation of patient Y performed by X is in X's
/// compartment but in Y's partition.</item>
/// </list>
/// </summary>
internal static class CosmosRouting
{
    private static readonly SearchParameterRegistry Standard = SearchParameterRegistry.CreateDefault();
    private const string PatientFilter = ".where(resolve() is Patient)";

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
        ReferenceCondition { AnyOf.Count: > 0 } r when DecidesPartition(type, r.Param, out var onlyPatients)
            && r.AnyOf.All(m => m is { Id: not null, Url: null } && (m.TargetType == "Patient" || (m.TargetType is null && onlyPatients)))
            && r.AnyOf.Select(m => m.Id).Distinct().Count() == 1 => r.AnyOf[0].Id,
        CompartmentCondition { CompartmentType: "Patient" } c
            when CompartmentMembership.PatientParameters(type) is [var only] && DecidesPartition(type, only, out _) => c.Id,
        _ => null,
    };

    /// <summary>
    /// Whether the parameter reads the same single-reference element as the type's first compartment parameter
    /// (Observation: subject and patient both read Observation.subject), which alone decides the partition.
    /// </summary>
    private static bool DecidesPartition(string type, string param, out bool onlyPatients)
    {
        onlyPatients = false;
        if (CompartmentMembership.PatientParameters(type) is not [var first, ..]) return false;
        if (!Standard.TryGet(type, param, out var info) || SinglePath(type, info) is not { } path) return false;
        // A plain id names a Patient when nothing else can be indexed under the parameter.
        onlyPatients = info.Targets is ["Patient"] || info.Expression!.EndsWith(PatientFilter, StringComparison.Ordinal);
        return Standard.TryGet(type, first, out var firstInfo) && SinglePath(type, firstInfo) == path;
    }

    /// <summary>The parameter's element path when it is one path of elements that each occur once at most; otherwise null.</summary>
    private static string? SinglePath(string type, SearchParameterInfo info)
    {
        if (info.Expression is not { } expression) return null;
        // "X.subject.where(resolve() is Patient)" narrows the values, never adds any.
        var path = expression.Trim();
        if (path.EndsWith(PatientFilter, StringComparison.Ordinal)) path = path[..^PatientFilter.Length];
        if (path.Contains('|') || path.Contains('(')) return null;
        var steps = path.Split('.');
        if (steps[0] != type) return null;
        var mapping = ModelInfo.ModelInspector.FindClassMapping(type);
        foreach (var step in steps.Skip(1))
        {
            var property = mapping?.FindMappedElementByName(step);
            if (property is null || property.IsCollection) return null;
            mapping = property.PropertyTypeMapping as ClassMapping;
        }
        return path;
    }
}

using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>A search to run in one patient's partition (current documents and replicas there), or across partitions (current documents only).</summary>
/// <param name="WideOutside">Across partitions, only the wide resources outside this patient's partition.</param>
internal sealed record CosmosPart(SearchQuery Query, string? Partition, string? WideOutside = null)
{
    /// <summary>
    /// Which documents the part reads: in one patient's partition its current documents and replicas (each resource
    /// once there), across partitions current documents only (each resource once in the container).
    /// </summary>
    public string Scope(CosmosConditions p)
    {
        var scope = Partition is { } pk
            ? $"(c.kind = {p.Add(CosmosKeys.Current)} OR c.kind = {p.Add(CosmosKeys.Replica)}) AND c.pk = {p.Add(pk)}"
            : $"c.kind = {p.Add(CosmosKeys.Current)}";
        return WideOutside is { } home ? $"{scope} AND c.wide = true AND c.pk != {p.Add(home)}" : scope;
    }
}

/// <summary>
/// Picks the partitions a search runs in. Every resource in a patient's compartment has a document in that
/// patient's partition (its current document, or a replica: see <see cref="CosmosPartitioning"/>), so a search the
/// query itself confines to one patient's compartment runs there as one single-partition query:
/// <list type="bullet">
/// <item><c>Patient?_id=X</c> (a Patient is always in its own partition);</item>
/// <item>the Patient/X compartment (compartment searches, patient-scoped access, the members of X's record);</item>
/// <item>a reference naming <c>Patient/X</c> only, on a parameter that decides compartment membership
/// (Observation: subject, performer, and patient, which reads subject).</item>
/// </list>
/// Wide resources of the types searched are then asked for across partitions as well, and the record of
/// <c>$everything</c>/<c>$export</c> is split: its members in the patient's partition, the resources they reference
/// (outside every compartment) across partitions. Parts are disjoint, so their pages merge and their counts add up.
/// </summary>
internal static class CosmosRouting
{
    private static readonly SearchParameterRegistry Standard = SearchParameterRegistry.CreateDefault();
    private const string PatientFilter = ".where(resolve() is Patient)";

    /// <param name="split">Whether the search may run as several queries (its order merges: not a sort walk).</param>
    public static async Task<IReadOnlyList<CosmosPart>> PartsAsync(SearchQuery query, CosmosWideTypes wide, bool split, CancellationToken ct)
    {
        if (PartitionKey(query) is { } pk) return await WithWideAsync(query, pk, wide, split, ct) ?? [new CosmosPart(query, null)];
        if (split && RecordSplit(query) is var (members, referenced) && PartitionKey(members) is { } patient
            && await WithWideAsync(members, patient, wide, split, ct) is { } parts)
            return [.. parts, new CosmosPart(referenced, null)];
        return [new CosmosPart(query, null)];
    }

    /// <summary>The patient partition that holds a document of every match, or null.</summary>
    public static string? PartitionKey(SearchQuery query)
    {
        foreach (var condition in query.Conditions)
        {
            if (Pinned(query.ResourceType, condition) is { } patient) return $"Patient/{patient}";
        }
        return null;
    }

    private static async Task<IReadOnlyList<CosmosPart>?> WithWideAsync(SearchQuery query, string pk, CosmosWideTypes wide, bool split, CancellationToken ct)
    {
        var types = await wide.TypesAsync(ct);
        IReadOnlyList<string>? searched = query.ResourceType is { } type ? [type] : query.Types is { Count: > 0 } list ? list : null;
        if (types.Count == 0 || (searched is not null && !searched.Any(types.Contains))) return [new CosmosPart(query, pk)];
        // The wide ones live elsewhere: a second query, which a sort walk cannot merge (it then runs as one query across partitions).
        return split ? [new CosmosPart(query, pk), new CosmosPart(query, null, WideOutside: pk)] : null;
    }

    /// <summary>
    /// A top-level alternative of one patient's compartment members against alternatives that each match only
    /// resources outside every Patient compartment (the record of <c>$everything</c>): the query for each side.
    /// </summary>
    private static (SearchQuery Members, SearchQuery Referenced)? RecordSplit(SearchQuery query)
    {
        foreach (var any in query.Conditions.OfType<AnyOfCondition>())
        {
            var rest = query.Conditions.Where(c => !ReferenceEquals(c, any)).ToList();
            var pinned = any.Alternatives.Where(all => all.Any(c => Pinned(query.ResourceType, c) is not null)).ToList();
            if (pinned.Count != 1) continue;
            var others = any.Alternatives.Where(all => !ReferenceEquals(all, pinned[0])).ToList();
            if (!others.All(all => all.Any(c => c is CosmosSetCondition { OutsideCompartment: "Patient" }))) continue;
            return (query with { Conditions = [.. rest, .. pinned[0]] }, query with { Conditions = [.. rest, new AnyOfCondition(others)] });
        }
        return null;
    }

    private static string? Pinned(string? type, SearchCondition condition) => condition switch
    {
        IdCondition { Ids: [var id], Not: false } when type == "Patient" => id,
        CompartmentCondition { CompartmentType: "Patient" } c => c.Id,
        AnyCompartmentCondition { CompartmentType: "Patient", Ids: [var id] } => id,
        CosmosSetCondition { Kind: CosmosSetKind.Compartment, OutsideCompartment: null, Values: [var pk] } when pk.StartsWith("Patient/", StringComparison.Ordinal)
            => pk["Patient/".Length..],
        ReferenceCondition { AnyOf.Count: > 0 } r when type is not null && DecidesMembership(type, r.Param, out var onlyPatients)
            && r.AnyOf.All(m => m is { Id: not null, Url: null } && (m.TargetType == "Patient" || (m.TargetType is null && onlyPatients)))
            && r.AnyOf.Select(m => m.Id).Distinct().Count() == 1 => r.AnyOf[0].Id,
        _ => null,
    };

    /// <summary>
    /// Whether a reference to a Patient under the parameter puts the resource in that patient's compartment: the
    /// parameter is one of the type's compartment parameters, or reads the same element as one (Observation.patient
    /// reads subject). A plain id names a Patient when nothing else can be indexed under the parameter.
    /// </summary>
    private static bool DecidesMembership(string type, string param, out bool onlyPatients)
    {
        onlyPatients = false;
        var members = CompartmentMembership.PatientParameters(type);
        if (members.Count == 0 || !Standard.TryGet(type, param, out var info)) return false;
        onlyPatients = info.Targets is ["Patient"] || info.Expression?.EndsWith(PatientFilter, StringComparison.Ordinal) == true;
        if (members.Contains(param)) return true;
        return PlainPath(info) is { } path && members.Any(m => Standard.TryGet(type, m, out var member) && PlainPath(member) == path);
    }

    /// <summary>The parameter's element path when it is one plain path ("X.subject.where(resolve() is Patient)" narrows it only).</summary>
    private static string? PlainPath(SearchParameterInfo info)
    {
        if (info.Expression is not { } expression) return null;
        var path = expression.Trim();
        if (path.EndsWith(PatientFilter, StringComparison.Ordinal)) path = path[..^PatientFilter.Length];
        return path.Contains('|') || path.Contains('(') ? null : path;
    }
}

using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Which partitions hold a resource's current version. Its home: the Patient compartment it belongs to, so a
/// patient's record is one partition; for a resource in several patients' compartments the first patient named by
/// the compartment definition's parameters in their listed order (Observation: subject before performer), the
/// first value of that parameter first. A Patient is always its own partition; anything in no compartment gets its
/// own key. Each other patient's partition gets a replica, so every search within one patient's compartment is a
/// single-partition query; a resource in more than <see cref="MaxReplicas"/> patients' compartments (a cohort
/// Group, a message to many patients) is "wide" instead: it has no replicas and such searches also ask for wide
/// resources across partitions (<see cref="CosmosWideTypes"/>).
/// </summary>
internal static class CosmosPartitioning
{
    public const int MaxReplicas = 32;

    public static string Home(ResourceKey key, ResourceIndex? index)
    {
        if (key.Type == "Patient" || index is null) return CosmosKeys.Own(key);
        foreach (var param in CompartmentMembership.PatientParameters(key.Type))
        {
            foreach (var reference in index.References)
            {
                if (reference is { Group: null, TargetType: "Patient", TargetId: { } id } && reference.Param == param)
                    return $"Patient/{id}";
            }
        }
        return CosmosKeys.Own(key);
    }

    /// <summary>The partitions of the other patients whose compartments the resource is in, or wide when they are too many.</summary>
    public static (IReadOnlyList<string> Replicas, bool Wide) Replicas(string home, ResourceIndex? index)
    {
        if (index is null) return ([], false);
        var others = index.Compartments.Where(c => c.CompartmentType == "Patient").Select(c => $"Patient/{c.Id}")
            .Where(pk => pk != home).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return others.Count > MaxReplicas ? ([], true) : (others, false);
    }
}

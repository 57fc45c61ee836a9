using FhirPortal.Search;

namespace FhirPortal.Storage.Cosmos;

/// <summary>
/// Which partition holds a resource's current (searchable) document: the Patient compartment it belongs to, so a
/// patient's record is one partition. A resource in several patients' compartments goes to the first patient named
/// by the compartment definition's parameters in their listed order (Observation: subject before performer), the
/// first value of that parameter first. A Patient is always its own partition; anything in no compartment gets
/// its own key.
/// </summary>
internal static class CosmosPartitioning
{
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
}

using Hl7.Fhir.Model;

namespace FhirPortal.Core.Serialization;

/// <summary>Resource type names a body may not use: the abstract bases (Resource, DomainResource) have no instances.</summary>
internal static class ResourceTypeNames
{
    public static bool IsAbstract(string name) =>
        ModelInfo.ModelInspector.FindClassMapping(name) is { IsResource: true } mapping && mapping.NativeType.IsAbstract;

    public static FhirOutcomeException AbstractType(string name, string where, string? expression = null) =>
        FhirOutcomeException.BadRequest($"'{name}' at {where} is an abstract resource type; a resource needs a concrete type such as Patient.", expression);
}

using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>Lists the profiles the server holds under each type's <c>supportedProfile</c> in the CapabilityStatement.</summary>
internal static class SupportedProfiles
{
    public static void Add(CapabilityStatement statement, ConformanceResources conformance)
    {
        var byType = conformance.StoredProfiles()
            .Where(p => p.Derivation == StructureDefinition.TypeDerivationRule.Constraint && p.Kind == StructureDefinition.StructureDefinitionKind.Resource && p.Url is not null)
            .GroupBy(p => p.Type)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Url).Order(StringComparer.Ordinal).ToList());
        foreach (var resource in statement.Rest.SelectMany(r => r.Resource))
            if (resource.Type is { } type && byType.TryGetValue(type, out var urls))
                resource.SupportedProfileElement = [.. urls.Select(u => new Canonical(u))];
    }
}

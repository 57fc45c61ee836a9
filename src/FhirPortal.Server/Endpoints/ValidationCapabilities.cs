using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// Adds validation to the CapabilityStatement: each type's <c>supportedProfile</c> (the profiles held now, so ones added
/// through the API appear at once) and the <c>$validate</c> operation.
/// </summary>
internal static class ValidationCapabilities
{
    public static void Add(CapabilityStatement statement, ConformanceResources conformance)
    {
        var byType = conformance.StoredProfiles()
            .Where(p => p.Derivation == StructureDefinition.TypeDerivationRule.Constraint && p.Kind == StructureDefinition.StructureDefinitionKind.Resource && p.Url is not null && p.Type is not null)
            .GroupBy(p => p.Type!)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Url!).Order(StringComparer.Ordinal).ToList());
        foreach (var resource in statement.Rest.SelectMany(r => r.Resource))
        {
            if (resource.Type is { } type && byType.TryGetValue(type, out var urls))
                resource.SupportedProfileElement = [.. urls.Select(u => new Canonical(u))];
            resource.Operation.Add(new CapabilityStatement.OperationComponent
            {
                Name = "validate",
                Definition = "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                Documentation = "POST [type]/$validate or [type]/[id]/$validate; parameters resource, mode (create | update | delete), profile.",
            });
        }
    }
}

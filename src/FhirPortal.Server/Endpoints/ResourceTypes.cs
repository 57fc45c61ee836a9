using FhirPortal.Core;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>Route values that must name one of the R4 resource types.</summary>
internal static class ResourceTypes
{
    private static readonly HashSet<string> Known = [.. ModelInfo.SupportedResources];

    public static string Require(string type) =>
        Known.Contains(type) ? type : throw FhirOutcomeException.NotFound($"'{type}' is not an R4 resource type.");
}

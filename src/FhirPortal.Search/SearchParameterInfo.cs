using Hl7.Fhir.Model;

namespace FhirPortal.Search;

/// <summary>One search parameter as it applies to one resource type, with the FhirPath expression narrowed to that type.</summary>
public sealed record SearchParameterInfo(
    string ResourceType,
    string Name,
    string Url,
    SearchParamType Type,
    string? Expression,
    IReadOnlyList<string> Targets);

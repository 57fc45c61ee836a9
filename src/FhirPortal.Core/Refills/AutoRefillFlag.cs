using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Refills;

/// <summary>
/// The auto-refill opt-in: the extension <see cref="Url"/> (valueBoolean) on a MedicationRequest, and the search
/// parameter <c>auto-refill</c> (token) the automatic refills find opted-in prescriptions with.
/// </summary>
public static class AutoRefillFlag
{
    public const string Url = "http://fhirportal.org/fhir/StructureDefinition/auto-refill";
    public const string Code = "auto-refill";

    public static SearchParameter Definition() => new()
    {
        Id = "medicationrequest-auto-refill",
        Url = "http://fhirportal.org/fhir/SearchParameter/medicationrequest-auto-refill",
        Version = "1.0.0",
        Name = "MedicationRequestAutoRefill",
        Status = PublicationStatus.Active,
        Publisher = "FhirPortal",
        Description = new Markdown("Whether the prescription is refilled automatically (extension " + Url + "): auto-refill=true."),
        Code = Code,
        Base = [ResourceType.MedicationRequest],
        Type = SearchParamType.Token,
        Expression = $"MedicationRequest.extension('{Url}').value",
        XpathUsage = SearchParameter.XPathUsageType.Normal,
    };
}

using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// The OperationDefinition of <c>Patient/[id]/$activation-code</c>: listed in the CapabilityStatement and stored on the server
/// through <see cref="FeatureDefinitions"/> (its canonical resolves at <c>[base]/OperationDefinition/Patient-activation-code</c>).
/// </summary>
public static class ActivationCodeCapability
{
    public const string Id = "Patient-activation-code", Canonical = "http://fhirportal.org/fhir/OperationDefinition/" + Id;

    /// <summary>The OperationDefinition (R4 operationdefinition.html) behind the declaration.</summary>
    public static OperationDefinition Definition() => new()
    {
        Id = Id,
        Url = Canonical,
        Name = "PatientActivationCode",
        Title = "Issue a patient account activation code",
        Status = PublicationStatus.Active,
        Kind = OperationDefinition.OperationKind.Operation,
        Code = "activation-code",
        Resource = [ResourceType.Patient],
        System = false,
        Type = false,
        Instance = true,
        AffectsState = true,
        Description = "Issues a random, single-use activation code for the Patient, replacing any earlier one. The patient enters it with " +
                      "their medical record number and birth date on the registration page to create a portal account. Only a hash " +
                      "of the code is kept; the code is returned once. Care staff only: patient tokens get 403.",
        Parameter =
        [
            new OperationDefinition.ParameterComponent
            {
                Name = "code", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.String,
                Documentation = "The activation code: four groups of four letters and digits (Crockford base32, e.g. 7K3M-Q9XD-2HPA-VN4T).",
            },
            new OperationDefinition.ParameterComponent
            {
                Name = "expires", Use = OperationParameterUse.Out, Min = 1, Max = "1", Type = FHIRAllTypes.DateTime,
                Documentation = "When the code stops working (FhirPortal:Auth:Accounts:ActivationCodeLifetime after issue).",
            },
        ],
    };
}

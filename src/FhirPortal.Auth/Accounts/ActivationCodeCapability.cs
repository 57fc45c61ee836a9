using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// Declares <c>Patient/[id]/$activation-code</c> in the CapabilityStatement, backed by an OperationDefinition that is
/// stored on the server (so its canonical resolves at <c>[base]/OperationDefinition/Patient-activation-code</c>).
/// </summary>
public sealed class ActivationCodeCapability : ICapabilityStatementContributor
{
    public const string Id = "Patient-activation-code", Canonical = "http://fhirportal.org/fhir/OperationDefinition/" + Id;

    public void Contribute(CapabilityStatement statement, string baseUrl)
    {
        foreach (var patient in statement.Rest.SelectMany(r => r.Resource).Where(r => r.Type == "Patient"))
            patient.Operation.Add(new CapabilityStatement.OperationComponent
            {
                Name = "activation-code",
                Definition = Canonical,
                Documentation = "POST Patient/[id]/$activation-code (care staff: user/Patient.u of a practitioner or admin, or system/Patient.u): " +
                                "a single-use code the patient types at /auth/register to create an account; a new code replaces the old one.",
            });
    }

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

/// <summary>
/// Stores <see cref="ActivationCodeCapability.Definition"/> at start-up when it is missing or differs (a new version only on
/// change), alongside the profiles/ conformance resources: not when <c>FhirPortal:ProfilesDirectory</c> is set empty.
/// </summary>
public sealed class ActivationCodeDefinitionSeeder(OwnDefinitions definitions, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync([ActivationCodeCapability.Definition()], ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}

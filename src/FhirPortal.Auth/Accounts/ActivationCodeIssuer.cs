using FhirPortal.Auth.Audit;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Auth.Accounts;

/// <summary>
/// <c>Patient/[id]/$activation-code</c> (<see cref="ActivationCodeCapability"/>): decides whether the caller may issue
/// a code (care staff only), checks the patient exists, issues the code (<see cref="ActivationCodes"/>) and records
/// the event. The answer is a Parameters with <c>code</c> (shown once; only its hash is kept) and <c>expires</c>.
/// </summary>
public sealed class ActivationCodeIssuer(CallerContext callers, ReadInteraction read, ActivationCodes codes, AuditTrail audit)
{
    /// <param name="subject">The token's <c>sub</c>: names the issuer when the caller has no <c>fhirUser</c>.</param>
    public async System.Threading.Tasks.Task<Parameters> IssueAsync(string patientId, string? subject, CancellationToken ct)
    {
        var caller = callers.Current;
        caller.RequireStaff("$activation-code", "Patient");
        // Note: existence is checked as the server: the staff check above decides, and read scope is not required to issue a code.
        using (callers.Use(Caller.Server)) await read.ReadAsync(new ResourceKey("Patient", patientId), ct);
        var issuedBy = caller.Caller.FhirUser ?? subject ?? caller.Caller.ClientId ?? "anonymous";
        var (code, expires) = await codes.IssueAsync(patientId, issuedBy, ct);
        await audit.RecordAsync(AccountEvents.ActivationCodeIssued(patientId, issuedBy, caller.Caller.FhirUser), ct);
        var result = new Parameters();
        result.Add("code", new FhirString(code));
        result.Add("expires", new FhirDateTime(expires));
        return result;
    }
}

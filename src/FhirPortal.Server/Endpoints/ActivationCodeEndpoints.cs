using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Audit;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// <c>POST [base]/Patient/[id]/$activation-code</c> (OperationDefinition <see cref="ActivationCodeCapability.Definition"/>):
/// care staff issue the code a patient types to register an account. The answer is a Parameters with <c>code</c> (shown
/// once; only its hash is kept) and <c>expires</c>. A new code replaces the previous one.
/// </summary>
internal static class ActivationCodeEndpoints
{
    public static RouteGroupBuilder MapActivationCodeApi(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/Patient/{id}/$activation-code", IssueAsync).WithSummary("issue a patient's account activation code");
        return fhir;
    }

    private static async System.Threading.Tasks.Task IssueAsync(HttpContext context, string id, CallerContext callers, ReadInteraction read,
        ActivationCodes codes, AuditTrail audit)
    {
        var caller = callers.Current;
        caller.RequireStaff("$activation-code", "Patient");
        // Note: existence is checked as the server: the staff check above decides, and read scope is not required to issue a code.
        using (callers.Use(Caller.Anyone)) await read.ReadAsync(new ResourceKey("Patient", id), context.RequestAborted);
        var issuedBy = caller.Caller.FhirUser ?? context.User.FindFirst("sub")?.Value ?? caller.Caller.ClientId ?? "anonymous";
        var (code, expires) = await codes.IssueAsync(id, issuedBy, context.RequestAborted);
        await audit.RecordAsync(AccountEvents.ActivationCodeIssued(id, issuedBy, caller.Caller.FhirUser), context.RequestAborted);
        var result = new Parameters();
        result.Add("code", new FhirString(code));
        result.Add("expires", new FhirDateTime(expires));
        context.Response.Headers.CacheControl = "no-store";
        await FhirOutput.WritePocoAsync(context, result, StatusCodes.Status200OK);
    }
}

using FhirPortal.Auth.Accounts;

namespace FhirPortal.Server.Endpoints;

/// <summary>
/// <c>POST [base]/Patient/[id]/$activation-code</c> (OperationDefinition <see cref="ActivationCodeCapability.Definition"/>):
/// care staff issue the code a patient types to register an account (<see cref="ActivationCodeIssuer"/>).
/// </summary>
internal static class ActivationCodeEndpoints
{
    public static RouteGroupBuilder MapActivationCodeApi(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/Patient/{id}/$activation-code", IssueAsync).WithSummary("issue a patient's account activation code");
        return fhir;
    }

    private static async Task IssueAsync(HttpContext context, string id, ActivationCodeIssuer issuer)
    {
        var result = await issuer.IssueAsync(id, context.User.FindFirst("sub")?.Value, context.RequestAborted);
        // The code is shown once: no cache may keep it.
        context.Response.Headers.CacheControl = "no-store";
        await FhirOutput.WritePocoAsync(context, result, StatusCodes.Status200OK);
    }
}

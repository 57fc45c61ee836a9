using System.Net;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace FhirPortal.PatientPortal.Auth;

/// <summary>
/// The FHIR server answered 401 to the session's token: the patient revoked this app on the server's "apps" page, or
/// the grant ended. The session ends and the same page is asked for again, which starts a new sign-in (consent included).
/// </summary>
public sealed class RevokedAccessFilter(ILogger<RevokedAccessFilter> logger) : IAsyncExceptionFilter
{
    public async Task OnExceptionAsync(ExceptionContext context)
    {
        if (context.Exception is not FhirOperationException { Status: HttpStatusCode.Unauthorized }) return;
        logger.LogInformation("The FHIR server no longer accepts this session's token; signing in again.");
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        var request = context.HttpContext.Request;
        // A GET comes back to the same page; a form post (whose data cannot be replayed) to the page without it.
        context.Result = new RedirectResult(request.Path + (HttpMethods.IsGet(request.Method) ? request.QueryString.ToString() : ""));
        context.ExceptionHandled = true;
    }
}

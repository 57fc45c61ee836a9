using Microsoft.AspNetCore;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>SMART App Launch: <c>aud</c> is required and must be this server's FHIR base URL (trailing slash ignored).</summary>
public sealed class AudienceParameterCheck : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
{
    public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        var http = context.Transaction.GetHttpRequest()?.HttpContext ?? throw new InvalidOperationException("No HTTP request.");
        var aud = (string?)context.Request["aud"];
        // Note: a token for the wrong server must never be issued; the app is told through its redirect_uri.
        if (string.IsNullOrEmpty(aud))
            context.Reject(Errors.InvalidRequest, "The aud parameter is required: the FHIR base URL the app wants to access.");
        else if (!FhirBase.Matches(aud, http))
            context.Reject(Errors.InvalidRequest, $"The aud parameter must be this server's FHIR base URL ({FhirBase.Of(http)}).");
        return ValueTask.CompletedTask;
    }
}

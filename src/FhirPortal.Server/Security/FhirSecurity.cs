using System.Security.Claims;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Server.Endpoints;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Security;

/// <summary>
/// Authenticates every FHIR request (except the CapabilityStatement and <c>.well-known</c> discovery) with the
/// <c>FhirBearer</c> scheme and makes its caller current for Core, which decides access. RFC 6750: no or an
/// invalid token is a 401 with a <c>Bearer</c> challenge; a valid token lacking scope is Core's 403, marked
/// <c>insufficient_scope</c>. SMART clients (fhirclient) read 401 as "session expired" and 403 as "missing scope".
/// </summary>
public static class FhirSecurity
{
    public static void UseFhirSecurity(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (!options.Enabled)
            app.Logger.LogWarning("FhirPortal:Security:Enabled is false: the FHIR API answers every request without a token. Use this only for local experiments.");
        else if (app.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(options.ValidationScheme).GetAwaiter().GetResult() is null)
            app.Logger.LogWarning("No authentication handler '{Scheme}' validates access tokens, so every FHIR request except metadata will be answered 401.", options.ValidationScheme);

        app.UseCors(FhirCors.Policy);
        // Both are singletons: resolved once here, not on every request.
        var callers = app.Services.GetRequiredService<CallerContext>();
        app.Use((context, next) => InvokeAsync(context, next, options, callers));
    }

    private static async Task InvokeAsync(HttpContext context, RequestDelegate next, SecurityOptions options, CallerContext callers)
    {
        if (!context.Request.Path.StartsWithSegments("/fhir", out var rest))
        {
            await next(context);
            return;
        }
        if (!options.Enabled)
        {
            using (callers.Use(Caller.Unsecured with { NetworkAddress = AddressOf(context) })) await next(context);
            return;
        }
        // Note: clients read the CapabilityStatement and SMART discovery before they have a token.
        if (rest == "/metadata" || rest.StartsWithSegments("/.well-known"))
        {
            await next(context);
            return;
        }

        var result = await context.AuthenticateAsync(FhirAuthentication.Scheme);
        if (!result.Succeeded || result.Principal is null || !IssuedForThisServer(result.Principal, FhirBase.Of(context)))
        {
            await ChallengeAsync(context, options);
            return;
        }
        context.User = result.Principal;
        context.Response.OnStarting(() =>
        {
            if (context.Response.StatusCode == StatusCodes.Status403Forbidden)
                context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{options.Realm}\", error=\"insufficient_scope\"";
            return Task.CompletedTask;
        });
        using (callers.Use(CallerClaims.FromPrincipal(result.Principal) with { NetworkAddress = AddressOf(context) })) await next(context);
    }

    /// <summary>The client's address for the access audit (behind a proxy, what forwarded-headers middleware made of it).</summary>
    private static string? AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    /// <summary>
    /// A token that names audiences must name this FHIR base (SMART <c>aud</c>; a trailing slash is ignored), so a token
    /// issued for another server, or for this one under another base URL, is refused even when it is well signed.
    /// </summary>
    private static bool IssuedForThisServer(ClaimsPrincipal principal, string baseUrl)
    {
        var audiences = principal.FindAll("aud").Concat(principal.FindAll("oi_aud")).Select(c => c.Value.TrimEnd('/')).ToList();
        return audiences.Count == 0 || audiences.Contains(baseUrl.TrimEnd('/'), StringComparer.Ordinal);
    }

    private static Task ChallengeAsync(HttpContext context, SecurityOptions options)
    {
        // RFC 6750 section 3.1: a request without credentials gets no error code; a presented token that fails does.
        var presented = context.Request.Headers.Authorization.Count > 0;
        context.Response.Headers.WWWAuthenticate = presented
            ? $"Bearer realm=\"{options.Realm}\", error=\"invalid_token\", error_description=\"The access token is invalid or expired.\""
            : $"Bearer realm=\"{options.Realm}\"";
        var message = presented
            ? "The access token is invalid or expired; obtain a new one."
            : "This FHIR API needs an access token: send 'Authorization: Bearer <token>' (SMART App Launch or Backend Services).";
        return FhirOutput.WritePocoAsync(context, Outcomes.Error(OperationOutcome.IssueType.Login, message), StatusCodes.Status401Unauthorized);
    }
}

using FhirPortal.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth;

/// <summary>
/// The URLs the authorization server hands out: the FHIR base of this request (<see cref="FhirBaseUrl"/>, the token
/// audience and the SMART <c>aud</c> parameter) and its own issuer.
/// </summary>
internal static class FhirBase
{
    public static string Of(HttpContext context)
    {
        var request = context.Request;
        var configured = context.RequestServices.GetRequiredService<IConfiguration>()["FhirPortal:PublicBaseUrl"];
        return FhirBaseUrl.Of(configured, request.Scheme, request.Host.ToString(), request.PathBase.ToString());
    }

    /// <summary>
    /// The issuer identifier exactly as OpenIddict puts it in its discovery document and tokens (<c>Uri.AbsoluteUri</c>
    /// of the base, so <c>http://host/</c>); OpenID Connect compares issuers as strings.
    /// </summary>
    public static string IssuerIdentifier(HttpContext context) => new Uri(Issuer(context) + "/").AbsoluteUri;

    /// <summary>The authorization server's own base without a trailing slash (to append paths to): configured, or the host the request came to.</summary>
    public static string Issuer(HttpContext context)
    {
        var configured = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.Issuer;
        if (!string.IsNullOrEmpty(configured)) return configured.TrimEnd('/');
        var request = context.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}";
    }

    /// <summary>SMART: <c>aud</c> is compared with the FHIR base ignoring a trailing slash.</summary>
    public static bool Matches(string? aud, HttpContext context) => FhirBaseUrl.Matches(aud, Of(context));
}

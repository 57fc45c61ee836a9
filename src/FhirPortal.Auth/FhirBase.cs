using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth;

/// <summary>
/// The FHIR base URL (links, the token audience, the SMART <c>aud</c> parameter): FhirPortal:PublicBaseUrl, or derived
/// from the request (scheme, host, path base + /fhir). The one definition both the FHIR API and the auth server use.
/// </summary>
public static class FhirBase
{
    public static string Of(HttpContext context)
    {
        var configured = context.RequestServices.GetRequiredService<IConfiguration>()["FhirPortal:PublicBaseUrl"];
        if (!string.IsNullOrEmpty(configured)) return configured.TrimEnd('/');
        var request = context.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}/fhir";
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
    public static bool Matches(string? aud, HttpContext context) =>
        !string.IsNullOrEmpty(aud) && string.Equals(aud.TrimEnd('/'), Of(context), StringComparison.Ordinal);
}

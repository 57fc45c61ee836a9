namespace FhirPortal.Core;

/// <summary>
/// The FHIR base URL (links, Location, fullUrl, the token audience, the SMART <c>aud</c> parameter): FhirPortal:PublicBaseUrl
/// when configured, else derived from the request (scheme, host, path base + /fhir). The one rule the FHIR API and the
/// authorization server share; each reads its request and configuration and asks here.
/// </summary>
public static class FhirBaseUrl
{
    /// <param name="configured">FhirPortal:PublicBaseUrl, if set.</param>
    public static string Of(string? configured, string scheme, string host, string pathBase) =>
        string.IsNullOrEmpty(configured) ? $"{scheme}://{host}{pathBase}/fhir" : configured.TrimEnd('/');

    /// <summary>SMART: <c>aud</c> is compared with the FHIR base ignoring a trailing slash.</summary>
    public static bool Matches(string? aud, string fhirBase) =>
        !string.IsNullOrEmpty(aud) && string.Equals(aud.TrimEnd('/'), fhirBase, StringComparison.Ordinal);
}

using FhirPortal.Core;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Endpoints;

/// <summary>This request's FHIR base URL (<see cref="FhirBaseUrl"/>): FhirPortal:PublicBaseUrl, or the host the request came to + /fhir.</summary>
internal static class FhirBase
{
    public static string Of(HttpContext context)
    {
        var request = context.Request;
        var configured = context.RequestServices.GetRequiredService<IOptions<FhirPortalOptions>>().Value.PublicBaseUrl;
        return FhirBaseUrl.Of(configured, request.Scheme, request.Host.ToString(), request.PathBase.ToString());
    }
}

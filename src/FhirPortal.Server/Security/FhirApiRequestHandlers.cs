using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;

namespace FhirPortal.Server.Security;

/// <summary>
/// Keeps the authorization server's request handler (OpenIddict server) off FHIR API requests. The authentication
/// middleware offers every request to each request handler; OpenIddict's server then builds a transaction and runs its
/// request pipeline only to find that the path is none of its endpoints, all of which lie outside <c>/fhir</c>
/// (<c>/connect/...</c>, <c>/.well-known/...</c>). A FHIR request is authenticated by <see cref="FhirSecurity"/>
/// through the FhirBearer scheme; OpenIddict's validation handler, which that scheme uses, still sees every request.
/// </summary>
internal sealed class FhirApiRequestHandlers(IOptions<AuthenticationOptions> options, IHttpContextAccessor http)
    : AuthenticationSchemeProvider(options)
{
    // The base returns the same array until a scheme is added or removed: filter it once per such array.
    private Filtered _filtered = new([], []);

    public override async Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync()
    {
        var all = await base.GetRequestHandlerSchemesAsync();
        if (http.HttpContext?.Request.Path.StartsWithSegments("/fhir") != true) return all;
        var filtered = _filtered;
        if (!ReferenceEquals(filtered.All, all))
        {
            filtered = new(all, [.. all.Where(s => s.Name != OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)]);
            _filtered = filtered;
        }
        return filtered.ForFhir;
    }

    private sealed record Filtered(IEnumerable<AuthenticationScheme> All, AuthenticationScheme[] ForFhir);

    /// <summary>
    /// True when no endpoint of the authorization server lies under <c>/fhir</c>, which the filter above relies on
    /// (checked at start-up, so a later endpoint there fails loudly instead of never being served).
    /// </summary>
    public static bool EndpointsOutsideFhir(OpenIddictServerOptions o) =>
        !new[]
        {
            o.AuthorizationEndpointUris, o.ConfigurationEndpointUris, o.DeviceAuthorizationEndpointUris, o.EndSessionEndpointUris,
            o.EndUserVerificationEndpointUris, o.IntrospectionEndpointUris, o.JsonWebKeySetEndpointUris,
            o.PushedAuthorizationEndpointUris, o.RevocationEndpointUris, o.TokenEndpointUris, o.UserInfoEndpointUris,
        }.SelectMany(uris => uris).Any(uri => new PathString(uri.IsAbsoluteUri ? uri.AbsolutePath : "/" + uri.OriginalString.TrimStart('/')).StartsWithSegments("/fhir"));
}

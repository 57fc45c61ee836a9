using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// SMART asks introspection to return scope, client_id, patient and fhirUser; OpenIddict returns them only to callers
/// that are an audience of the token, and SMART access tokens name the FHIR server, not a client. Any authenticated
/// confidential client (OpenIddict rejects public ones here) gets them.
/// </summary>
public sealed class IntrospectionClaims : IOpenIddictServerHandler<HandleIntrospectionRequestContext>
{
    public ValueTask HandleAsync(HandleIntrospectionRequestContext context)
    {
        if (context.GenericTokenPrincipal is not { } principal) return ValueTask.CompletedTask;
        foreach (var scope in principal.GetScopes()) context.Scopes.Add(scope);
        context.ClientId ??= principal.GetPresenters().FirstOrDefault();
        foreach (var name in new[] { SmartClaims.Patient, SmartClaims.Encounter, SmartClaims.FhirUser })
            if (principal.GetClaim(name) is { Length: > 0 } value) context.Claims[name] = value;
        return ValueTask.CompletedTask;
    }
}

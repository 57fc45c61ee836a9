using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// Anonymous clients are accepted only so public apps can refresh without client_id; introspection (RFC 7662 §2.1)
/// and revocation (RFC 7009 §2.1) still require the caller to identify itself.
/// </summary>
public sealed class RequireAuthenticatedClient :
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateIntrospectionRequestContext>,
    IOpenIddictServerHandler<OpenIddictServerEvents.ValidateRevocationRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateIntrospectionRequestContext context)
    {
        if (string.IsNullOrEmpty(context.ClientId)) context.Reject(Errors.InvalidClient, "Introspection requires client authentication.");
        return ValueTask.CompletedTask;
    }

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateRevocationRequestContext context)
    {
        if (string.IsNullOrEmpty(context.ClientId)) context.Reject(Errors.InvalidClient, "Revocation requires client_id (and client authentication for confidential clients).");
        return ValueTask.CompletedTask;
    }
}

using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// Anonymous clients are accepted only so public apps can refresh without client_id; revocation (RFC 7009 §2.1) still
/// requires the caller to identify itself (introspection callers: <see cref="IntrospectionCaller"/>).
/// </summary>
public sealed class RequireAuthenticatedClient : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateRevocationRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateRevocationRequestContext context)
    {
        if (string.IsNullOrEmpty(context.ClientId)) context.Reject(Errors.InvalidClient, "Revocation requires client_id (and client authentication for confidential clients).");
        return ValueTask.CompletedTask;
    }
}

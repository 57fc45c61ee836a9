using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// SMART public apps (client-js) refresh without client_id, which OpenIddict refuses for tokens issued to a client.
/// Refresh tokens are reference tokens, so their stored entry names the client: it is filled in before validation,
/// and a confidential client's token still fails unless that client authenticates.
/// </summary>
public sealed class InferRefreshTokenClient(IOpenIddictTokenManager tokens, IOpenIddictApplicationManager applications)
    : IOpenIddictServerHandler<ExtractTokenRequestContext>
{
    public async ValueTask HandleAsync(ExtractTokenRequestContext context)
    {
        if (context.Request is not { } request || !request.IsRefreshTokenGrantType()
            || !string.IsNullOrEmpty(request.ClientId) || !string.IsNullOrEmpty(request.ClientAssertion)
            || string.IsNullOrEmpty(request.RefreshToken)) return;
        if (await tokens.FindByReferenceIdAsync(request.RefreshToken) is not { } token
            || await tokens.GetApplicationIdAsync(token) is not { } applicationId
            || await applications.FindByIdAsync(applicationId) is not { } application) return;
        request.ClientId = await applications.GetClientIdAsync(application);
    }
}

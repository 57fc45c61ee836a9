using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>SMART <c>online_access</c> also earns a refresh token (OpenIddict issues one for <c>offline_access</c> only).</summary>
public sealed class OnlineAccessRefreshToken : IOpenIddictServerHandler<ProcessSignInContext>
{
    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.Token && context.Principal?.HasScope("online_access") == true)
            context.GenerateRefreshToken = context.IncludeRefreshToken = true;
        return ValueTask.CompletedTask;
    }
}

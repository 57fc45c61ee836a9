using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlers;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// The OpenIddict event handlers that make it a SMART authorization server: the things OpenIddict does not check by
/// default (aud, client assertion exp cap and jti replay, client authentication at introspection/revocation) and the
/// SMART extras (online_access refresh tokens, introspection claims).
/// </summary>
public static class SmartServerHandlers
{
    /// <summary>After every built-in validation step (so redirect_uri is trusted and errors can be redirected).</summary>
    private const int AfterBuiltIns = int.MaxValue - 100_000;

    public static void Register(OpenIddictServerBuilder server)
    {
        server.AddEventHandler<ApplyTokenResponseContext>(b =>
            b.UseSingletonHandler<ClientAssertionErrorCode>().SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ApplyIntrospectionResponseContext>(b =>
            b.UseSingletonHandler<ClientAssertionErrorCode>().SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ApplyRevocationResponseContext>(b =>
            b.UseSingletonHandler<ClientAssertionErrorCode>().SetOrder(int.MinValue + 100_000).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ExtractTokenRequestContext>(b =>
            b.UseScopedHandler<InferRefreshTokenClient>().SetOrder(AfterBuiltIns).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ValidateTokenRequestContext>(b =>
            b.UseSingletonHandler<RefreshScopeWithinGrant>().SetOrder(Exchange.ValidateGrantedScopes.Descriptor.Order - 500).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ValidateAuthorizationRequestContext>(b =>
            b.UseSingletonHandler<AudienceParameterCheck>().SetOrder(AfterBuiltIns).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ProcessAuthenticationContext>(b =>
            b.UseScopedHandler<ClientAssertionLimits>().SetOrder(ValidateClientAssertionWellknownClaims.Descriptor.Order + 500).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ValidateTokenContext>(b =>
            b.UseSingletonHandler<SmartClientAssertionFormat>().SetOrder(Protection.ResolveTokenValidationParameters.Descriptor.Order + 500).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ValidateTokenContext>(b =>
            b.UseSingletonHandler<SmartClientAssertionFormat.MarkAsClientAssertion>().SetOrder(Protection.ValidatePrincipal.Descriptor.Order - 500).SetType(OpenIddictServerHandlerType.Custom));
        server.RemoveEventHandler(Introspection.ValidateAuthorizedParty.Descriptor);
        server.AddEventHandler<ValidateIntrospectionRequestContext>(b =>
            b.UseScopedHandler<IntrospectionCaller>().SetOrder(Introspection.ValidateAuthorizedParty.Descriptor.Order).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ValidateRevocationRequestContext>(b =>
            b.UseSingletonHandler<RequireAuthenticatedClient>().SetOrder(AfterBuiltIns).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<HandleIntrospectionRequestContext>(b =>
            b.UseSingletonHandler<IntrospectionClaims>().SetOrder(Introspection.AttachApplicationClaims.Descriptor.Order + 500).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<HandleRevocationRequestContext>(b =>
            b.UseScopedHandler<RevokeGrantTokens>().SetOrder(Revocation.RevokeToken.Descriptor.Order + 500).SetType(OpenIddictServerHandlerType.Custom));
        server.AddEventHandler<ProcessSignInContext>(b =>
            b.UseSingletonHandler<OnlineAccessRefreshToken>().SetOrder(EvaluateGeneratedTokens.Descriptor.Order + 500).SetType(OpenIddictServerHandlerType.Custom));
    }
}

using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth.Handlers;

/// <summary>
/// A client assertion that fails validation (wrong audience, bad signature) is a client authentication failure:
/// RFC 6749 §5.2 and SMART Backend Services call it invalid_client, where OpenIddict reports invalid_token.
/// </summary>
public sealed class ClientAssertionErrorCode :
    IOpenIddictServerHandler<ApplyTokenResponseContext>,
    IOpenIddictServerHandler<ApplyIntrospectionResponseContext>,
    IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    public ValueTask HandleAsync(ApplyTokenResponseContext context) => Fix(context.Request, context.Response);
    public ValueTask HandleAsync(ApplyIntrospectionResponseContext context) => Fix(context.Request, context.Response);
    public ValueTask HandleAsync(ApplyRevocationResponseContext context) => Fix(context.Request, context.Response);

    private static ValueTask Fix(OpenIddict.Abstractions.OpenIddictRequest? request, OpenIddict.Abstractions.OpenIddictResponse response)
    {
        if (!string.IsNullOrEmpty(request?.ClientAssertion) && response.Error == Errors.InvalidToken)
            response.Error = Errors.InvalidClient;
        return ValueTask.CompletedTask;
    }
}

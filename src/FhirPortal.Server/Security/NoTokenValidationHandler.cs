using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Security;

/// <summary>
/// Where <c>FhirBearer</c> forwards when the configured validation handler is not registered (a host without the
/// authorization server): no token can be trusted, so every one fails and the FHIR API answers 401, never 500.
/// </summary>
internal sealed class NoTokenValidationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "FhirBearer.NoValidation";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(AuthenticateResult.Fail("No handler is registered to validate access tokens."));
}

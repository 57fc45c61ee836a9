using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Tests.Access;

/// <summary>
/// Test-only token validation: <c>Authorization: Bearer scope=...&amp;patient=...</c> (form-encoded claims) becomes a
/// principal with those claims; the token "invalid" fails, as an expired or forged token would. Stands in for
/// OpenIddict's validation handler behind the FhirBearer policy scheme.
/// </summary>
public sealed class TestTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "TestToken";

    /// <summary>A bearer token carrying these claims, e.g. <c>Token("patient/*.rs", patient: "p1")</c>.</summary>
    public static string Token(string scopes, string? patient = null, string? fhirUser = null, string clientId = "test-app")
    {
        var claims = new List<string> { "scope=" + Uri.EscapeDataString(scopes), "client_id=" + Uri.EscapeDataString(clientId) };
        if (patient is not null) claims.Add("patient=" + Uri.EscapeDataString(patient));
        if (fhirUser is not null) claims.Add("fhirUser=" + Uri.EscapeDataString(fhirUser));
        return string.Join("&", claims);
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return Task.FromResult(AuthenticateResult.NoResult());
        var token = header["Bearer ".Length..];
        if (token == "invalid") return Task.FromResult(AuthenticateResult.Fail("The token is invalid."));
        var claims = token.Split('&')
            .Select(pair => pair.Split('=', 2))
            .Select(kv => new Claim(kv[0], Uri.UnescapeDataString(kv[1])));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// What the resource server (Core.Access, "FhirBearer") relies on: OpenIddict's validation scheme turns an access
/// token into the claims agreed on, rejects revoked tokens, and the Identity cookie is never the default scheme.
/// </summary>
public sealed class ResourceServerValidationTests
{
    private static async Task<AuthenticateResult> AuthenticateAsync(SmartHarness smart, string token)
    {
        using var scope = smart.Host.Services.CreateScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = "/fhir/Observation";
        context.Request.Headers.Authorization = "Bearer " + token;
        // As the authentication middleware does: a request handler sees the request first, then authenticates.
        var handler = await scope.ServiceProvider.GetRequiredService<IAuthenticationHandlerProvider>()
            .GetHandlerAsync(context, OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        if (handler is IAuthenticationRequestHandler requestHandler) await requestHandler.HandleRequestAsync();
        return await handler!.AuthenticateAsync();
    }

    [Fact]
    public async Task Validation_scheme_yields_scopes_patient_fhirUser_and_client_id()
    {
        await using var smart = await SmartHarness.StartAsync();
        var token = await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/Observation.rs");
        var result = await AuthenticateAsync(smart, (string)token["access_token"]!);
        Assert.True(result.Succeeded, result.Failure?.Message);
        var principal = result.Principal!;
        Assert.Contains("patient/Observation.rs", principal.GetScopes());
        Assert.Equal("p1", principal.GetClaim("patient"));
        Assert.Equal("http://localhost/fhir/Patient/p1", principal.GetClaim("fhirUser"));
        Assert.Equal(SmartHarness.PublicApp, principal.GetClaim("client_id"));

        var garbage = await AuthenticateAsync(smart, "not-a-token");
        Assert.False(garbage.Succeeded);
    }

    [Fact]
    public async Task Revoked_access_token_fails_validation()
    {
        await using var smart = await SmartHarness.StartAsync();
        var token = await smart.StandaloneAsync(SmartHarness.PatientUser, "patient/Observation.rs");
        var access = (string)token["access_token"]!;
        Assert.True((await AuthenticateAsync(smart, access)).Succeeded);
        await smart.PostFormAsync("connect/revoke", new Dictionary<string, string> { ["token"] = access, ["client_id"] = SmartHarness.PublicApp });
        Assert.False((await AuthenticateAsync(smart, access)).Succeeded);
    }

    [Fact]
    public async Task Identity_cookie_is_not_the_default_authentication_scheme()
    {
        await using var smart = await SmartHarness.StartAsync();
        var schemes = smart.Host.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.NotEqual(IdentityConstants.ApplicationScheme, (await schemes.GetDefaultAuthenticateSchemeAsync())?.Name);
        Assert.NotEqual(IdentityConstants.ApplicationScheme, (await schemes.GetDefaultChallengeSchemeAsync())?.Name);
    }
}

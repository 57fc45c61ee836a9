using System.Net;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// The authorization code grant's protections (RFC 6749, RFC 7636, SMART App Launch 2.x): each bad request gets
/// the OAuth error the specs name, redirected to the app when its redirect_uri is trusted, else an error page.
/// </summary>
public sealed class AuthorizationCodeTests : IAsyncLifetime
{
    private SmartHarness _smart = null!;
    public async Task InitializeAsync() => _smart = await SmartHarness.StartAsync();
    public async Task DisposeAsync() => await _smart.DisposeAsync();

    private async Task<Uri> RedirectOf(string authorizeUrl)
    {
        var response = await _smart.Client().GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("none")]
    public async Task Authorize_without_an_S256_challenge_redirects_invalid_request(string kind)
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var url = kind == "plain"
            ? SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", verifier, method: "plain")
            : SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", challenge).Replace("&code_challenge=" + challenge, "").Replace("&code_challenge_method=S256", "");
        var redirect = await RedirectOf(url);
        Assert.StartsWith(SmartHarness.Redirect, redirect.OriginalString);
        Assert.Equal("invalid_request", SmartHarness.Query(redirect)["error"]);
        Assert.Equal("st-1", SmartHarness.Query(redirect)["state"]);
    }

    [Theory]
    [InlineData("http://other.example/fhir")]
    [InlineData(null)]
    public async Task Authorize_with_wrong_or_missing_aud_redirects_invalid_request(string? aud)
    {
        var redirect = await RedirectOf(SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", SmartHarness.Pkce().Challenge, aud: aud));
        Assert.StartsWith(SmartHarness.Redirect, redirect.OriginalString);
        Assert.Equal("invalid_request", SmartHarness.Query(redirect)["error"]);
        Assert.Contains("aud", SmartHarness.Query(redirect)["error_description"]);
    }

    [Fact]
    public async Task Aud_with_a_trailing_slash_is_accepted_and_state_is_echoed_byte_for_byte()
    {
        const string state = "a b+c/=?&\u00fc%41";
        var (verifier, challenge) = SmartHarness.Pkce();
        var url = SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch/patient patient/*.rs", challenge, state: state, aud: SmartHarness.Fhir + "/");
        var redirect = await SmartHarness.AuthorizeAsync(_smart.Client(), url, SmartHarness.PatientUser);
        var query = SmartHarness.Query(redirect);
        Assert.Equal(state, query["state"]);
        // fhirclient posts the code without URL-encoding it.
        Assert.Matches("^[A-Za-z0-9_-]+$", query["code"]);
        var (status, _, _) = await _smart.ExchangeAsync(query["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Unregistered_redirect_uri_shows_an_error_page_instead_of_redirecting()
    {
        var response = await _smart.Client().GetAsync(SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", SmartHarness.Pkce().Challenge, redirect: "http://evil.example/cb"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("cannot continue", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_client_shows_an_error_page_at_authorize_and_invalid_client_at_token()
    {
        var response = await _smart.Client().GetAsync(SmartHarness.AuthorizeUrl("nobody", "patient/*.rs", SmartHarness.Pkce().Challenge));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var (status, body, _) = await _smart.PostFormAsync("connect/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "system/*.rs" }, ("nobody", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", (string?)body["error"]);
    }

    [Fact]
    public async Task Wrong_verifier_reused_code_and_wrong_redirect_uri_are_invalid_grant()
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var redirect = await SmartHarness.AuthorizeAsync(_smart.Client(), SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", challenge), SmartHarness.PatientUser);
        var code = SmartHarness.Query(redirect)["code"];

        var wrongVerifier = await _smart.ExchangeAsync(code, SmartHarness.Pkce().Verifier);
        Assert.Equal(HttpStatusCode.BadRequest, wrongVerifier.Status);
        Assert.Equal("invalid_grant", (string?)wrongVerifier.Body["error"]);

        var (verifier2, challenge2) = SmartHarness.Pkce();
        var redirect2 = await SmartHarness.AuthorizeAsync(_smart.Client(), SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", challenge2), SmartHarness.PatientUser);
        var code2 = SmartHarness.Query(redirect2)["code"];
        var wrongRedirect = await _smart.PostFormAsync("connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code2, ["redirect_uri"] = "http://app.test/other", ["code_verifier"] = verifier2, ["client_id"] = SmartHarness.PublicApp,
        });
        Assert.Equal("invalid_grant", (string?)wrongRedirect.Body["error"]);

        var (verifier3, challenge3) = SmartHarness.Pkce();
        var redirect3 = await SmartHarness.AuthorizeAsync(_smart.Client(), SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", challenge3), SmartHarness.PatientUser);
        var code3 = SmartHarness.Query(redirect3)["code"];
        Assert.Equal(HttpStatusCode.OK, (await _smart.ExchangeAsync(code3, verifier3)).Status);
        var reused = await _smart.ExchangeAsync(code3, verifier3);
        Assert.Equal(HttpStatusCode.BadRequest, reused.Status);
        Assert.Equal("invalid_grant", (string?)reused.Body["error"]);
    }

    [Fact]
    public async Task Token_response_is_not_cacheable()
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var redirect = await SmartHarness.AuthorizeAsync(_smart.Client(), SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", challenge), SmartHarness.PatientUser);
        var (_, _, response) = await _smart.ExchangeAsync(SmartHarness.Query(redirect)["code"], verifier);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Contains("no-cache", response.Headers.Pragma.Select(p => p.Name));
    }

    [Fact]
    public async Task Unchecked_and_unknown_scopes_are_left_out_of_the_grant()
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var url = SmartHarness.AuthorizeUrl(SmartHarness.PublicApp,
            "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory patient/Condition.read made-up/scope patient/Observation.sr system/*.rs", challenge);
        var page = await SmartHarness.SignInAsync(_smart.Client(), url, SmartHarness.PatientUser);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("read your lab results", html);
        Assert.Equal(["patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory", "patient/Condition.read"], SmartHarness.Checkboxes(html));
        var browser = _smart.Client();
        page = await SmartHarness.SignInAsync(browser, url, SmartHarness.PatientUser);
        var redirect = await SmartHarness.SubmitAsync(page, browser, "approve", ["patient/Condition.read"]);
        var (status, token, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect.Headers.Location!)["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("patient/Condition.read", (string?)token["scope"]);
        Assert.Equal("patient/Condition.read", (string?)SmartHarness.Claims((string)token["access_token"]!)["scope"]);
    }

    [Fact]
    public async Task Denied_consent_redirects_access_denied()
    {
        var browser = _smart.Client();
        var page = await SmartHarness.SignInAsync(browser, SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", SmartHarness.Pkce().Challenge), SmartHarness.PatientUser);
        var redirect = await SmartHarness.SubmitAsync(page, browser, "deny");
        Assert.Equal("access_denied", SmartHarness.Query(redirect.Headers.Location!)["error"]);
    }

    [Fact]
    public async Task Authorization_request_may_be_posted()
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var browser = _smart.Client();
        var query = SmartHarness.Query(new Uri("http://x/" + SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/*.rs", challenge)));
        var first = await browser.PostAsync("connect/authorize", new FormUrlEncodedContent(query));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        // Sign-in comes back to the same request as a GET.
        var page = await SmartHarness.SignInAsync(browser, first.Headers.Location!.OriginalString is var login && login.StartsWith("/auth/login")
            ? Uri.UnescapeDataString(login[(login.IndexOf("ReturnUrl=") + 10)..]) : login, SmartHarness.PatientUser);
        var redirect = await SmartHarness.SubmitAsync(page, browser, "approve");
        Assert.Equal(HttpStatusCode.OK, (await _smart.ExchangeAsync(SmartHarness.Query(redirect.Headers.Location!)["code"], verifier)).Status);
    }
}

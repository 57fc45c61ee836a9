using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// Browser hardening on every page and OAuth endpoint: no framing, no sniffing, no Referer, a CSP without inline script
/// or style, no caching of personal pages; cookies Secure over HTTPS, HttpOnly, SameSite; HSTS outside Development.
/// </summary>
public sealed partial class SecurityHeadersTests(SecurityHeadersTests.Server server) : IClassFixture<SecurityHeadersTests.Server>
{
    /// <summary>One server for the route table (the tests only read).</summary>
    public sealed class Server : IAsyncLifetime
    {
        public SmartHarness Smart { get; private set; } = null!;
        public async Task InitializeAsync() => Smart = await SmartHarness.StartAsync();
        public async Task DisposeAsync() => await Smart.DisposeAsync();
    }

    private SmartHarness _smart => server.Smart;

    public static TheoryData<string, string> Routes => new()
    {
        { "GET", "auth/login" }, { "GET", "auth/login/two-factor" }, { "GET", "auth/logout" }, { "GET", "auth/register" },
        { "GET", "auth/forgot-password" }, { "GET", "auth/forgot-username" }, { "GET", "auth/reset-password" },
        { "GET", "auth/confirm-email" }, { "GET", "auth/apps" }, { "GET", "auth/account" }, { "GET", "auth/account/password" },
        { "GET", "auth/account/email" }, { "GET", "auth/account/email/confirm" }, { "GET", "auth/account/phone" },
        { "GET", "auth/account/two-factor" }, { "GET", "auth/account/two-factor/authenticator" },
        { "GET", SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/Observation.rs", SmartHarness.Pkce().Challenge) },
        { "POST", "connect/token" }, { "POST", "connect/introspect" }, { "POST", "connect/revoke" },
        { "GET", ".well-known/openid-configuration" }, { "GET", "fhir/.well-known/smart-configuration" }, { "GET", "auth/no-such-page" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_page_and_OAuth_endpoint_sends_the_security_headers(string method, string path)
    {
        var browser = await _smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new FormUrlEncodedContent(new Dictionary<string, string>());
        var response = await browser.SendAsync(request);

        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("script-src", csp); // default-src 'none' covers scripts: the pages run none
        if (path.StartsWith("auth/") || path.StartsWith("connect/"))
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Pages_hold_no_inline_script_or_style_the_policy_would_block(string method, string path)
    {
        if (method != "GET") return;
        var browser = await _smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var response = await browser.GetAsync(path);
        if (response.Content.Headers.ContentType?.MediaType != "text/html") return;
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(InlineScriptOrStyle(), html);
    }

    [Fact]
    public async Task The_style_sheet_the_pages_link_is_served()
    {
        var html = await (await _smart.Client().GetAsync("auth/login")).Content.ReadAsStringAsync();
        Assert.Contains("href=\"/auth/portal.css\"", html);
        var css = await _smart.Client().GetAsync("auth/portal.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains("font-family", await css.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Consent_page_cannot_be_framed_on_a_second_visit_either()
    {
        var browser = await _smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        var url = SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "patient/Observation.rs", SmartHarness.Pkce().Challenge);
        var first = await browser.GetAsync(url);
        var second = await browser.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("DENY", Header(first, "X-Frame-Options"));
        Assert.Equal("DENY", Header(second, "X-Frame-Options"));
    }

    [Fact]
    public async Task Swagger_UI_has_its_own_policy_and_loads_only_its_own_scripts()
    {
        var page = await _smart.Client().GetAsync("swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = Header(page, "Content-Security-Policy");
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("script-src", csp); // scripts: 'self' only
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.Equal(HttpStatusCode.OK, (await _smart.Client().GetAsync("swagger/index.js")).StatusCode);
    }

    [Fact]
    public async Task Cookies_are_Secure_over_HTTPS_HttpOnly_and_SameSite()
    {
        var https = _smart.Host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost/"), AllowAutoRedirect = false, HandleCookies = false });
        var page = await https.GetAsync("auth/login");
        var antiforgery = SetCookies(page);
        var fields = SmartHarness.Inputs(await page.Content.ReadAsStringAsync());
        fields["Username"] = SmartHarness.PatientUser;
        fields["Password"] = SmartHarness.Password;
        using var post = new HttpRequestMessage(HttpMethod.Post, "auth/login") { Content = new FormUrlEncodedContent(fields) };
        post.Headers.Add("Cookie", string.Join("; ", antiforgery.Select(c => c.Split(';')[0])));
        var signedIn = await https.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var cookies = antiforgery.Concat(SetCookies(signedIn)).ToList();
        Assert.Contains(cookies, c => c.StartsWith(".AspNetCore.Antiforgery"));
        Assert.Contains(cookies, c => c.StartsWith("FhirPortal.Auth="));
        foreach (var cookie in cookies)
        {
            var attributes = cookie.ToLowerInvariant();
            Assert.Contains("; secure", attributes);
            Assert.Contains("; httponly", attributes);
            Assert.Matches("; samesite=(lax|strict)", attributes);
        }
    }

    [Fact]
    public async Task HSTS_is_sent_over_HTTPS_outside_Development()
    {
        await using var production = new FhirPortalHost().WithWebHostBuilder(b => b.UseEnvironment("Production"));
        var client = production.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example/"), AllowAutoRedirect = false });
        var response = await client.GetAsync("health/live");
        Assert.Contains("max-age=", Header(response, "Strict-Transport-Security"));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values) : "";

    private static List<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>|<style\\b|\\sstyle=\"|\\son[a-z]+=\"", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScriptOrStyle();

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>|\\son[a-z]+=\"", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}

using System.Collections.Concurrent;
using FhirPortal.Auth.Tests.Smart;
using FhirPortal.TestSupport.Browser;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FhirPortal.Auth.Tests.Browser;

/// <summary>
/// A SMART client written by others (npm fhirclient, SMART client-js) in headless Chromium completes a standalone
/// launch against the server on a real port: discovery, sign-in, consent, PKCE code exchange, and a patient read
/// with the access token, all cross-origin from the app's own origin.
/// </summary>
public sealed class FhirClientLaunchTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Fhirclient_standalone_launch_signs_in_patient_user_and_reads_launch_patient()
    {
        var bundle = BrowserTooling.Require(Path.Combine("fhirclient", "build", "fhir-client.js"));
        var pages = Path.Combine(BrowserTooling.AppDirectory!, "app");
        await using var app = new StaticAppServer(new Dictionary<string, string>
        {
            ["/launch.html"] = Path.Combine(pages, "launch.html"),
            ["/index.html"] = Path.Combine(pages, "index.html"),
            ["/fhir-client.js"] = bundle,
        });
        await using var smart = await SmartHarness.StartAsync(new Dictionary<string, string?>
        {
            ["FhirPortal:Security:Enabled"] = "true",
            // No CORS setting: the registered redirect URI's origin alone lets the app's script call discovery, the
            // token endpoint and the FHIR API.
            ["FhirPortal:Auth:Clients:0:RedirectUris:1"] = app.Origin + "/index.html",
        }, kestrel: true);
        var iss = new Uri(smart.BaseAddress, "fhir").ToString();

        var (playwright, browser) = await HeadlessChromium.LaunchAsync(Timeout);
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var log = new ConcurrentQueue<string>();
        page.Console += (_, message) => log.Enqueue($"console.{message.Type}: {message.Text}");
        page.PageError += (_, error) => log.Enqueue($"page error: {error}");
        page.RequestFailed += (_, request) => log.Enqueue($"request failed: {request.Method} {request.Url} {request.Failure}");
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) log.Enqueue($"navigated: {frame.Url}"); };

        try
        {
            await page.GotoAsync($"{app.Origin}/launch.html?iss={Uri.EscapeDataString(iss)}&client_id={SmartHarness.PublicApp}");

            // fhirclient discovered the authorize endpoint and sent the browser there; the server asks for sign-in.
            // A launch that fails in the app (discovery, CORS) shows its error at once instead of timing out.
            await page.WaitForFunctionAsync("() => location.pathname === '/auth/login' || /^error/.test(document.getElementById('status')?.textContent ?? '')");
            Assert.Equal("/auth/login", new Uri(page.Url).AbsolutePath);
            Assert.StartsWith(smart.BaseAddress.GetLeftPart(UriPartial.Authority), page.Url);
            await page.FillAsync("#username", SmartHarness.PatientUser);
            await page.FillAsync("#password", SmartHarness.Password);
            await page.ClickAsync("button[type=submit]");

            await page.ClickAsync("button[name=decision][value=approve]");

            // Back at the app: fhirclient exchanges the code (PKCE) and reads Patient/{patient} with the token.
            // One polled condition on the page itself (back at the app, and done or failed): a URL wait first can
            // hang when the app has already finished, since Playwright then waits for a load state that has passed
            // (fhirclient replaces the URL again, ?code=... then ?iss=..., as it completes).
            await page.WaitForFunctionAsync(
                "origin => location.origin === origin && location.pathname === '/index.html' && /^(done|error)/.test(document.getElementById('status')?.textContent ?? '')",
                app.Origin);
            Assert.Equal("done", await page.TextContentAsync("#status"));
            Assert.Equal("p1", await page.TextContentAsync("#patient-id"));
            Assert.Equal("Ada Lovelace", await page.TextContentAsync("#patient-name"));
        }
        catch (Exception)
        {
            output.WriteLine($"URL: {page.Url}");
            foreach (var line in log) output.WriteLine(line);
            output.WriteLine("HTML:");
            output.WriteLine(await page.ContentAsync());
            throw;
        }
    }
}

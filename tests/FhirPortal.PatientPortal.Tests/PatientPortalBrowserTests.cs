using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Seeding;
using FhirPortal.TestSupport.Browser;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// The demo patient uses the portal in headless Chromium against the FHIR server, both on real ports: SMART sign-in
/// (password, mailed code, consent), a lab result, trends, medications, booking and cancelling an appointment, the record
/// download, the account links, revoking the app on the server, and sign-out; the access token is refreshed on the way.
/// Every page passes axe-core and is photographed.
/// </summary>
public sealed partial class PatientPortalBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    // The server's shortest access token lifetime; the portal refreshes 50 s early, so after 10 s every page refreshes first.
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(1), RefreshEarly = TimeSpan.FromSeconds(50);

    [SkippableFact]
    public async Task Demo_patient_signs_in_reads_a_lab_result_books_and_cancels_an_appointment_and_downloads_the_record()
    {
        var (playwright, browser) = await HeadlessChromium.LaunchAsync(Timeout);
        using var _ = playwright;
        await using var __ = browser;
        await using var hosts = PortalTestHosts.Start(TokenLifetime, RefreshEarly);
        var page = await browser.NewPageAsync(new() { AcceptDownloads = true });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var log = new ConcurrentQueue<string>();
        page.PageError += (_, error) => log.Enqueue($"page error: {error}");
        page.Console += (_, message) => log.Enqueue($"console.{message.Type}: {message.Text}");
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) log.Enqueue($"navigated: {frame.Url}"); };

        try
        {
            // Sign-in: the portal sends the browser to the server's /connect/authorize; password, mailed code, consent.
            await page.GotoAsync(hosts.PortalOrigin + "/");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/auth/login");
            Assert.StartsWith(hosts.ServerRoot.GetLeftPart(UriPartial.Authority), page.Url);
            await page.FillAsync("#username", DemoSeeder.PatientUser);
            await page.FillAsync("#password", DemoSeeder.DemoPassword);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/auth/login/two-factor");
            var code = SignInCode().Match(await hosts.LatestMailTextAsync());
            Assert.True(code.Success, "no sign-in code in the newest mail");
            await page.FillAsync("#code", code.Groups[1].Value);
            await page.ClickAsync("button[type=submit]");
            await page.ClickAsync("button[name=decision][value=approve]");
            await page.WaitForURLAsync(hosts.PortalOrigin + "/");
            var signedIn = Stopwatch.StartNew();

            // Home: the branding and the patient's own data.
            Assert.StartsWith("Welcome, ", await page.TextContentAsync("h1"));
            Assert.Equal(PortalTestHosts.OrganizationName, await page.TextContentAsync(".org-name"));
            await Expect(page.Locator("#results-heading")).ToBeVisibleAsync();
            await PageChecks.CheckAsync(page, "home");

            // Results: a lab value with its reference range, as the server holds it.
            await page.ClickAsync("nav >> text=Results");
            var rows = page.Locator("table.results tbody tr");
            await Expect(rows.First).ToBeVisibleAsync();
            var labs = await rows.EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))");
            Assert.True(labs.Length >= 3, $"{labs.Length} lab rows");
            // [test, result, normal range, flag, date]: a measured value with its unit and the range it is judged against.
            Assert.Contains(labs, lab => Regex.IsMatch(lab[1], @"^\d") && Regex.IsMatch(lab[2], @"\d") && lab[3] is "High" or "Low" or "Normal");
            await PageChecks.CheckAsync(page, "results");

            // Trends: one point per weight measurement the server holds, two per blood-pressure panel.
            await page.ClickAsync("nav >> text=Trends");
            var weights = await hosts.CountAsync("Observation", ("patient", "demo-patient"), ("code", "http://loinc.org|29463-7"));
            var pressures = await hosts.CountAsync("Observation", ("patient", "demo-patient"), ("code", "http://loinc.org|85354-9"));
            Assert.True(weights >= 2, $"{weights} weights in the demo data");
            await Expect(page.Locator("#weight-chart circle.point")).ToHaveCountAsync(weights);
            await Expect(page.Locator("#weight-chart-table tbody tr")).ToHaveCountAsync(weights);
            await Expect(page.Locator("#blood-pressure-chart circle.point")).ToHaveCountAsync(2 * pressures);
            await PageChecks.CheckAsync(page, "trends");

            // Medications: the prescriptions with how to take them.
            await page.ClickAsync("nav >> text=Medications");
            var medications = await page.Locator("table.medications tbody tr").EvaluateAllAsync<string[][]>("rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))");
            Assert.Equal(await hosts.CountAsync("MedicationRequest", ("patient", "demo-patient")), medications.Length);
            Assert.All(medications, m => Assert.NotEmpty(m[0]));
            await PageChecks.CheckAsync(page, "medications");

            // Appointments: find in-person times three days out (outside the cancellation window), book the first, cancel it.
            await page.ClickAsync("nav >> text=Appointments");
            var before = await BookedIdsAsync(page);
            await page.SelectOptionAsync("#practitioner", new SelectOptionValue { Index = 1 }); // the first provider by name
            await page.SelectOptionAsync("#visit-type", "in-person");
            await page.FillAsync("#from", DateTime.UtcNow.Date.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            await page.ClickAsync("button:text('Find times')");
            var firstFree = page.Locator("#free-times li").First;
            await Expect(firstFree).ToBeVisibleAsync();
            await PageChecks.CheckAsync(page, "appointments-find");
            await firstFree.Locator("button").ClickAsync();
            await Expect(page.Locator("#appointment-message")).ToContainTextAsync("Booked:");
            var booked = (await BookedIdsAsync(page)).Except(before).Single();
            var bookedItem = page.Locator($"#upcoming li[data-id='{booked}']");
            await Expect(bookedItem.Locator(".status")).ToHaveTextAsync("Booked");
            await PageChecks.CheckAsync(page, "appointments");
            await bookedItem.Locator("button").ClickAsync();
            await Expect(page.Locator("#appointment-message")).ToContainTextAsync("Cancelled:");
            await Expect(page.Locator($"#upcoming li[data-id='{booked}'] .status")).ToHaveTextAsync("Cancelled");

            // Records: the download is the server's $everything Bundle, streamed through the portal. By now the first
            // access token is within the refresh margin, so this page also proves the refresh.
            var wait = TimeSpan.FromSeconds(12) - signedIn.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            await page.ClickAsync("nav >> text=Records");
            await PageChecks.CheckAsync(page, "records");
            var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-record"));
            Assert.Equal("health-record-demo-patient.json", download.SuggestedFilename);
            using (var record = JsonDocument.Parse(await File.ReadAllBytesAsync((await download.PathAsync())!)))
            {
                Assert.Equal("Bundle", record.RootElement.GetProperty("resourceType").GetString());
                var resources = record.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
                Assert.Contains(resources, r => r.GetProperty("resourceType").GetString() == "Patient" && r.GetProperty("id").GetString() == "demo-patient");
                Assert.Contains(resources, r => r.GetProperty("resourceType").GetString() == "Appointment" && r.GetProperty("id").GetString() == booked);
            }
            Assert.Contains(hosts.PortalLog.Entries, e => e.Message.StartsWith("Refreshed the access token", StringComparison.Ordinal));

            // Account: links to the server's own security pages.
            await page.ClickAsync("nav >> text=Account");
            Assert.Equal(new Uri(hosts.ServerRoot, "auth/account/password").ToString(), await page.GetAttributeAsync("a:text('Change your password')", "href"));
            Assert.EndsWith("/Patient/demo-patient", await page.TextContentAsync("#fhir-user"));
            await PageChecks.CheckAsync(page, "account");

            // Revoking the portal on the server's "apps" page ends its tokens at once: the portal's next page starts
            // a new sign-in (the server session still stands, so straight to consent) instead of failing.
            await page.ClickAsync("a:text('Apps you allowed to see your record')");
            await page.ClickAsync("button[aria-label='Revoke access for Patient portal']");
            await page.GotoAsync(hosts.PortalOrigin + "/Results");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/connect/authorize");
            await page.ClickAsync("button[name=decision][value=approve]");
            await page.WaitForURLAsync(hosts.PortalOrigin + "/Results");
            await Expect(page.Locator("table.results tbody tr").First).ToBeVisibleAsync();
            Assert.Contains(hosts.PortalLog.Entries, e => e.Message.StartsWith("The FHIR server no longer accepts", StringComparison.Ordinal)
                                                         || e.Message.StartsWith("Session ended", StringComparison.Ordinal));

            await page.ClickAsync("button:text('Sign out')");
            await Expect(page.Locator("h1")).ToHaveTextAsync("You are signed out");
            Assert.Contains(hosts.PortalLog.Entries, e => e.Message.StartsWith("Revoked the session's refresh token", StringComparison.Ordinal));
            await PageChecks.CheckAsync(page, "signed-out");
        }
        catch (Exception)
        {
            output.WriteLine($"URL: {page.Url}");
            foreach (var line in log) output.WriteLine(line);
            foreach (var entry in hosts.PortalLog.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning))
                output.WriteLine($"portal {entry.Level} {entry.Category}: {entry.Message}");
            output.WriteLine("HTML:");
            output.WriteLine(await page.ContentAsync());
            throw;
        }
    }

    private static async Task<HashSet<string>> BookedIdsAsync(IPage page) =>
        [.. (await page.Locator("#upcoming li[data-id]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.id)"))];

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [GeneratedRegex(@"sign-in code is (\d{6})")]
    private static partial Regex SignInCode();
}

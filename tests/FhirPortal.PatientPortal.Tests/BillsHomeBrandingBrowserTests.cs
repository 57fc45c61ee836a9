using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Seeding;
using FhirPortal.TestSupport.Browser;
using Microsoft.Playwright;
using UglyToad.PdfPig;
using Xunit.Abstractions;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// The branded sign-in and registration pages of the server, the Home tiles against the server's own numbers, and the
/// Bills page: statement downloads (PDF, HTML) and paying a statement on the payment provider's page (the fake sends the
/// signed webhook, so the payment is recorded by the server as in production) with the balance and history updated.
/// </summary>
public sealed partial class BillsHomeBrandingBrowserTests(ITestOutputHelper output)
{
    private const string Patient = "demo-patient", Bill = "portal-test-bill", Invoice = Bill + "-1";
    private const decimal Amount = 125.50m;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly CultureInfo Us = CultureInfo.GetCultureInfo("en-US");

    [SkippableFact]
    public async Task Patient_sees_branded_server_pages_home_tiles_and_pays_a_bill_through_the_provider()
    {
        var (playwright, browser) = await HeadlessChromium.LaunchAsync(Timeout);
        using var _ = playwright;
        await using var __ = browser;
        await using var hosts = PortalTestHosts.Start(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        var due = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(20);
        await hosts.PutAsync([.. PortalTestHosts.Bill(Patient, Bill, Amount, due), .. PortalTestHosts.FormToFill(Patient, "portal-test-form")]);
        var page = await browser.NewPageAsync(new() { AcceptDownloads = true });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var log = new ConcurrentQueue<string>();
        page.PageError += (_, error) => log.Enqueue($"page error: {error}");
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) log.Enqueue($"navigated: {frame.Url}"); };
        var brandRgb = "rgb(122, 31, 92)"; // PortalTestHosts.BrandColor

        try
        {
            // The server's sign-in page: the configured name and colour, and the ways in besides a password.
            await page.GotoAsync(hosts.PortalOrigin + "/");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/auth/login");
            var loginUrl = page.Url;
            Assert.Equal(PortalTestHosts.OrganizationName, await page.TextContentAsync(".org-name"));
            Assert.Equal(brandRgb, await BackgroundAsync(page, ".site-header"));
            await Expect(page.Locator("a#create-account")).ToHaveAttributeAsync("href", "/auth/register");
            await Expect(page.Locator("a#forgot-password")).ToHaveAttributeAsync("href", "/auth/forgot-password");
            await Expect(page.Locator("a#forgot-username")).ToHaveAttributeAsync("href", "/auth/forgot-username");
            await PageChecks.CheckAsync(page, "server-login");

            // Registration: one field per line, each label above its field (date of birth and name no longer share a line).
            await page.ClickAsync("a#create-account");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/auth/register");
            var birth = (await page.Locator("#birthdate").BoundingBoxAsync())!;
            var nameLabel = (await page.Locator("label[for=name]").BoundingBoxAsync())!;
            var name = (await page.Locator("#name").BoundingBoxAsync())!;
            Assert.True(nameLabel.Y >= birth.Y + birth.Height, "the name label starts below the date of birth field");
            Assert.True(name.Y >= nameLabel.Y + nameLabel.Height, "the name field starts below its label");
            await PageChecks.CheckAsync(page, "server-register");

            await page.GotoAsync(loginUrl);
            await SignInAsync(page, hosts);

            // Home: the portal's branding, and each tile's number as the server has it.
            Assert.Equal(PortalTestHosts.OrganizationName, await page.TextContentAsync(".org-name"));
            Assert.Equal(brandRgb, await BackgroundAsync(page, ".site-header"));
            var unread = await hosts.CountAsync("Communication", ("recipient", "Patient/" + Patient), ("received:missing", "true"));
            var forms = await hosts.CountAsync("Task", ("patient", "Patient/" + Patient), ("code", "http://fhirportal.org/fhir/CodeSystem/portal-task|complete-questionnaire"),
                ("status", "draft,requested,received,accepted,ready,in-progress,on-hold"));
            var owed = await hosts.BalanceDueAsync(Patient);
            Assert.True(forms >= 1 && owed >= Amount, $"seeded: {forms} forms, {owed} owed");
            await Expect(page.Locator("#unread-messages")).ToHaveTextAsync(unread.ToString(Us));
            await Expect(page.Locator("#forms-to-fill")).ToHaveTextAsync(forms.ToString(Us));
            await Expect(page.Locator("#balance-due")).ToHaveTextAsync(owed.ToString("C", Us));
            Assert.Equal("/Forms", await page.GetAttributeAsync("a:text('Fill in your forms')", "href"));
            Assert.Equal("/Messages", await page.GetAttributeAsync("a:text('Read your messages')", "href"));
            await PageChecks.CheckAsync(page, "home-tiles");

            // Bills: the seeded statement is open for its amount, due on its date.
            await page.ClickAsync("a:text('See and pay your bills')");
            var row = page.Locator($"table.statements tr[data-id='{Invoice}']");
            await Expect(row.Locator("td.open")).ToHaveTextAsync(Amount.ToString("C", Us));
            await Expect(page.Locator($"section.account[data-id='{Bill}'] .balance")).ToHaveTextAsync(Amount.ToString("C", Us));
            await Expect(page.Locator($"section.account[data-id='{Bill}'] .due-date")).ToContainTextAsync(due.ToString("MMM d, yyyy", Us));
            await PageChecks.CheckAsync(page, "bills");

            // Statement downloads through $statement: a PDF with the statement's amount, and the HTML version.
            var pdf = await page.RunAndWaitForDownloadAsync(() => row.Locator("a.statement-pdf").ClickAsync());
            Assert.Equal($"statement-{Invoice}.pdf", pdf.SuggestedFilename);
            using (var document = PdfDocument.Open(await File.ReadAllBytesAsync((await pdf.PathAsync())!)))
                Assert.Contains("125.50", string.Concat(document.GetPages().Select(p => p.Text)));
            var html = await page.RunAndWaitForDownloadAsync(() => row.Locator("a.statement-html").ClickAsync());
            Assert.Contains("125.50", await File.ReadAllTextAsync((await html.PathAsync())!));

            // Pay: $pay sends the browser to the provider's checkout page; paying there returns to Bills, and the server
            // has recorded the payment (webhook) by then.
            await row.Locator("button.pay").ClickAsync();
            await page.WaitForURLAsync(url => url.StartsWith(hosts.Stripe.BaseUrl.TrimEnd('/') + "/c/pay/", StringComparison.Ordinal));
            Assert.Equal("12550 usd (minor units)", await page.TextContentAsync("#amount"));
            await page.ClickAsync("#pay");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/Bills");
            await Expect(page.Locator("#bills-message")).ToContainTextAsync($"your payment on statement {Invoice} is recorded");
            await Expect(row.Locator("td.open")).ToHaveTextAsync("—");
            await Expect(page.Locator($"section.account[data-id='{Bill}'] .balance")).ToHaveTextAsync(0m.ToString("C", Us));
            var payment = page.Locator("table.payments tbody tr", new() { HasText = Invoice });
            await Expect(payment.Locator("td.amount")).ToHaveTextAsync(Amount.ToString("C", Us));
            await PageChecks.CheckAsync(page, "bills-paid");

            // Home: the balance went down by the payment, as the server says.
            await page.ClickAsync("nav >> text=Home");
            Assert.Equal(owed - Amount, await hosts.BalanceDueAsync(Patient));
            await Expect(page.Locator("#balance-due")).ToHaveTextAsync((owed - Amount).ToString("C", Us));
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

    /// <summary>Password, the mailed code, consent; ends on the portal's Home.</summary>
    private static async Task SignInAsync(IPage page, PortalTestHosts hosts)
    {
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
    }

    private static Task<string> BackgroundAsync(IPage page, string selector) =>
        page.Locator(selector).EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [GeneratedRegex(@"sign-in code is (\d{6})")]
    private static partial Regex SignInCode();
}

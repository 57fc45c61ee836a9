using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using FhirPortal.TestSupport.Browser;
using Microsoft.Playwright;
using UglyToad.PdfPig;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// The Records page (record and IPS summary downloads as JSON and PDF, share links created, listed and revoked, the
/// server's refusal shown), the Account page's links to the server's security pages, and moving a booked appointment
/// to another time ($book reschedule), in one signed-in session of headless Chromium.
/// </summary>
public sealed class RecordsSharingBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Patient_downloads_record_and_summary_shares_and_revokes_a_link_and_moves_an_appointment()
    {
        var (playwright, browser) = await HeadlessChromium.LaunchAsync(Timeout);
        using var _ = playwright;
        await using var __ = browser;
        await using var hosts = PortalTestHosts.Start(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        var page = await browser.NewPageAsync(new() { AcceptDownloads = true });
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        var log = new ConcurrentQueue<string>();
        page.PageError += (_, error) => log.Enqueue($"page error: {error}");
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) log.Enqueue($"navigated: {frame.Url}"); };
        try
        {
            await PortalSignIn.SignInAsync(page, hosts);
            await RescheduleAsync(page, hosts);
            await page.ClickAsync("nav >> text=Records");
            await PageChecks.CheckAsync(page, "records");
            await DownloadsAsync(page);
            await ShareLinksAsync(page);
            await AccountLinksAsync(page, hosts);
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

    /// <summary>Books a time, then "Change time" → find → "Move here": the same Appointment holds the new slot, the old one is free.</summary>
    private static async Task RescheduleAsync(IPage page, PortalTestHosts hosts)
    {
        await page.ClickAsync("nav >> text=Appointments");
        var before = await BookedIdsAsync(page);
        await FindAsync(page, 3, selectProvider: true);
        var first = page.Locator("#free-times li").First;
        var oldSlot = await first.Locator("input[name=slot]").InputValueAsync();
        await first.Locator("button").ClickAsync();
        await Expect(page.Locator("#appointment-message")).ToContainTextAsync("Booked:");
        var booked = (await BookedIdsAsync(page)).Except(before).Single();
        var item = page.Locator($"#upcoming li[data-id='{booked}']");

        await item.Locator("a.change-time").ClickAsync();
        await Expect(page.Locator("#rescheduling")).ToBeVisibleAsync();
        await FindAsync(page, 5, selectProvider: false);
        var target = page.Locator("#free-times li").First;
        var newSlot = await target.Locator("input[name=slot]").InputValueAsync();
        Assert.NotEqual(oldSlot, newSlot);
        await PageChecks.CheckAsync(page, "appointments-reschedule");
        await target.Locator("button:text('Move here')").ClickAsync();
        await Expect(page.Locator("#appointment-message")).ToContainTextAsync("Moved to");
        await Expect(item.Locator(".status")).ToHaveTextAsync("Booked");
        Assert.Equal(1, await hosts.CountAsync("Appointment", ("_id", booked), ("slot", "Slot/" + newSlot), ("status", "booked")));
        Assert.Equal(1, await hosts.CountAsync("Slot", ("_id", oldSlot), ("status", "free")));
    }

    /// <summary>The summary as JSON (an IPS document), then the record and the summary as PDF, each with the patient's name.</summary>
    private static async Task DownloadsAsync(IPage page)
    {
        var summary = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-summary"));
        Assert.Equal("health-summary-demo-patient.json", summary.SuggestedFilename);
        string name;
        using (var document = JsonDocument.Parse(await File.ReadAllBytesAsync((await summary.PathAsync())!)))
        {
            Assert.Equal("document", document.RootElement.GetProperty("type").GetString());
            var resources = document.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource")).ToList();
            Assert.Equal("Composition", resources[0].GetProperty("resourceType").GetString());
            Assert.Equal("60591-5", resources[0].GetProperty("type").GetProperty("coding")[0].GetProperty("code").GetString());
            var patient = resources.Single(r => r.GetProperty("resourceType").GetString() == "Patient").GetProperty("name")[0];
            name = patient.GetProperty("family").GetString()!;
        }

        var recordPdf = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-record-pdf"));
        Assert.Equal("health-record-demo-patient.pdf", recordPdf.SuggestedFilename);
        Assert.Contains(name, await PdfTextAsync(recordPdf));

        var summaryPdf = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-summary-pdf"));
        Assert.Equal("health-summary-demo-patient.pdf", summaryPdf.SuggestedFilename);
        Assert.Contains(name, await PdfTextAsync(summaryPdf));
    }

    /// <summary>
    /// Too long an expiry: the server's reason. Then a link with passcode and label, shown once as shlink:/ and listed
    /// as active; revoked, it is listed as revoked.
    /// </summary>
    private static async Task ShareLinksAsync(IPage page)
    {
        await page.FillAsync("#expires", Day(200));
        await page.FillAsync("#label", "For Dr. Grey");
        await page.ClickAsync("#create-share-link");
        await Expect(page.Locator("#records-error")).ToContainTextAsync("at most 90 days away");
        await Expect(page.Locator("#new-shlink")).ToHaveCountAsync(0);

        await page.FillAsync("#expires", Day(14));
        await page.FillAsync("#label", "For Dr. Grey");
        await page.FillAsync("#passcode", "cedar-42");
        await page.ClickAsync("#create-share-link");
        await Expect(page.Locator("#records-message")).ToContainTextAsync("shown only this once");
        var shlink = await page.Locator("#new-shlink").InputValueAsync();
        Assert.StartsWith("shlink:/", shlink);
        await Expect(page.Locator("#new-shlink-link")).ToHaveAttributeAsync("href", shlink);
        var row = page.Locator("table.share-links tbody tr", new() { HasText = "For Dr. Grey" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td.link-status")).ToHaveTextAsync("active");
        await PageChecks.CheckAsync(page, "records-share-link");

        await row.Locator("button.revoke").ClickAsync();
        await Expect(page.Locator("#records-message")).ToContainTextAsync("Revoked the share link For Dr. Grey");
        await Expect(row.Locator("td.link-status")).ToHaveTextAsync("revoked");
        await Expect(row.Locator("button.revoke")).ToHaveCountAsync(0);
        await Expect(page.Locator("#new-shlink")).ToHaveCountAsync(0);
    }

    /// <summary>The Account page links to the server's own security pages, the access log among them.</summary>
    private static async Task AccountLinksAsync(IPage page, PortalTestHosts hosts)
    {
        await page.ClickAsync("nav >> text=Account");
        foreach (var path in new[] { "auth/account/password", "auth/account/two-factor", "auth/account/phone", "auth/apps", "auth/account/access-log" })
            await Expect(page.Locator($"a[href='{new Uri(hosts.ServerRoot, path)}']")).ToHaveCountAsync(1);
        await page.ClickAsync("#access-log");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/auth/account/access-log");
    }

    private static async Task FindAsync(IPage page, int daysAhead, bool selectProvider)
    {
        if (selectProvider) await page.SelectOptionAsync("#practitioner", new SelectOptionValue { Index = 1 });
        await page.SelectOptionAsync("#visit-type", "in-person");
        await page.FillAsync("#from", Day(daysAhead));
        await page.ClickAsync("button:text('Find times')");
        await Expect(page.Locator("#free-times li").First).ToBeVisibleAsync();
    }

    private static async Task<string[]> BookedIdsAsync(IPage page) =>
        await page.Locator("#upcoming li[data-id]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.id)");

    private static async Task<string> PdfTextAsync(IDownload download)
    {
        using var document = PdfDocument.Open(await File.ReadAllBytesAsync((await download.PathAsync())!));
        return string.Concat(document.GetPages().Select(p => p.Text));
    }

    private static string Day(int daysAhead) => DateTime.UtcNow.Date.AddDays(daysAhead).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

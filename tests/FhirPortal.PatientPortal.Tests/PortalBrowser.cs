using FhirPortal.TestSupport;
using Microsoft.Playwright;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// Debian's Chromium (installed by tests/browser/install.sh, which test.sh runs) under Playwright, as the Auth tests'
/// browser test uses it: Playwright's own browsers are never downloaded. Missing Chromium fails with CI=true, skips elsewhere.
/// </summary>
public static class PortalBrowser
{
    public const string Chromium = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(TimeSpan timeout)
    {
        if (!File.Exists(Chromium))
            throw TestRequirements.Missing($"the portal browser test needs {Chromium} (Debian package chromium); ./test.sh installs it (tests/browser/install.sh).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Running as root needs --no-sandbox; the rest keep Chromium off the network beyond loopback.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            Timeout = (float)timeout.TotalMilliseconds,
        });
        return (playwright, browser);
    }
}

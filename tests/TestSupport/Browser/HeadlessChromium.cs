using Microsoft.Playwright;

namespace FhirPortal.TestSupport.Browser;

/// <summary>
/// Debian's Chromium (installed by tests/browser/install.sh, which test.sh runs) under Playwright, shared by every
/// browser test: Playwright's own browsers are never downloaded. A missing Chromium fails with CI=true, skips elsewhere.
/// </summary>
public static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    /// <summary>Fails the test in CI, skips it elsewhere, when Chromium is not installed.</summary>
    public static void Require(string what)
    {
        if (!File.Exists(Executable))
            throw TestRequirements.Missing($"{what} needs {Executable} (Debian package chromium); ./test.sh installs it (tests/browser/install.sh).");
    }

    /// <summary>Starts Playwright and a headless Chromium kept off the network beyond loopback.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync(TimeSpan timeout)
    {
        Require("the browser test");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Executable,
                Headless = true,
                // Running as root needs --no-sandbox; the rest keep Chromium off the network beyond loopback.
                Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                Timeout = (float)timeout.TotalMilliseconds,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}

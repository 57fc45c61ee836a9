using System.Text.RegularExpressions;
using FhirPortal.Auth.Seeding;
using Microsoft.Playwright;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>The demo patient's SMART sign-in through the server's pages: password, the mailed code, consent.</summary>
public static partial class PortalSignIn
{
    public static async Task SignInAsync(IPage page, PortalTestHosts hosts)
    {
        await page.GotoAsync(hosts.PortalOrigin + "/");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/auth/login");
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

    [GeneratedRegex(@"sign-in code is (\d{6})")]
    private static partial Regex SignInCode();
}

using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace FhirPortal.PatientPortal.Tests;

/// <summary>
/// What every portal page must pass: axe-core finds no serious or critical accessibility violation, at desktop and at
/// phone width; and a full-page screenshot of each width goes to <see cref="ScreenshotFolder"/>.
/// </summary>
public static class PageChecks
{
    public static readonly (string Name, int Width, int Height)[] Widths = [("desktop", 1280, 800), ("phone", 390, 844)];

    /// <summary>bin/{configuration}/net10.0/screenshots of this test project (not committed).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task CheckAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        foreach (var (width, w, h) in Widths)
        {
            await page.SetViewportSizeAsync(w, h);
            var result = await page.RunAxe();
            var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
            Assert.True(serious.Count == 0, $"{name} ({width}): " + string.Join("; ", serious.Select(v =>
                $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{name}-{width}.png"), FullPage = true });
        }
        await page.SetViewportSizeAsync(Widths[0].Width, Widths[0].Height);
    }
}

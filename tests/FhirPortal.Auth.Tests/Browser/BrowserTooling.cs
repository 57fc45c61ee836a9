using FhirPortal.TestSupport;
using FhirPortal.TestSupport.Browser;

namespace FhirPortal.Auth.Tests.Browser;

/// <summary>
/// Locates what the browser tests need beyond the .NET SDK, all installed by test.sh: the Debian Chromium and the
/// npm packages under tests/browser. In CI (CI=true) anything missing is a failure; elsewhere the tests are reported as Skipped.
/// </summary>
public static class BrowserTooling
{
    /// <summary>tests/browser in the checkout (its package.json pins the third-party SMART client).</summary>
    public static string? AppDirectory { get; } = FindAppDirectory();

    /// <summary>The path of an installed npm package file; when Chromium or the file is missing, fails the test in CI and skips it elsewhere.</summary>
    public static string Require(string nodeModulesFile)
    {
        var file = AppDirectory is null ? null : Path.Combine(AppDirectory, "node_modules", nodeModulesFile);
        var missing = new List<string>();
        if (!File.Exists(HeadlessChromium.Executable)) missing.Add($"{HeadlessChromium.Executable} (Debian package chromium)");
        if (file is null || !File.Exists(file)) missing.Add($"tests/browser/node_modules/{nodeModulesFile} (npm ci in tests/browser)");
        if (file is not null && missing.Count == 0) return file;
        throw TestRequirements.Missing($"the browser test needs {string.Join(" and ", missing)}; ./test.sh installs them.");
    }

    private static string? FindAppDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln")))
                return Path.Combine(dir.FullName, "tests", "browser");
        return null;
    }
}

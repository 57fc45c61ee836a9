using FhirPortal.TestSupport;

namespace FhirPortal.Server.Tests;

/// <summary>
/// Locates ../shared/fixtures (third-party FHIR data beside the checkout). In CI (CI=true) a missing folder is a
/// failure, never a silent skip; outside CI the tests that need it are reported as Skipped.
/// </summary>
public static class SharedFixtures
{
    public static string? Directory { get; } = Find();

    public static bool InCi => TestRequirements.InCi;

    /// <summary>The path of a fixture subfolder for a test method: when missing, fails the test in CI and skips it elsewhere.</summary>
    public static string Require(string subfolder) => Find(subfolder) ?? throw Missing(subfolder);

    /// <summary>
    /// The path of a fixture subfolder for a class fixture (which cannot skip): throws in CI when missing, returns null
    /// elsewhere; its tests then call <see cref="Require"/> or skip themselves.
    /// </summary>
    public static string? Find(string subfolder)
    {
        var path = Directory is null ? null : Path.Combine(Directory, subfolder);
        if (path is not null && System.IO.Directory.Exists(path)) return path;
        if (InCi) throw Missing(subfolder);
        return null;
    }

    /// <summary>The failure (CI) or skip (elsewhere) for a missing subfolder.</summary>
    public static Exception Missing(string subfolder) =>
        TestRequirements.Missing($"the shared fixtures folder '{subfolder}' is missing (expected ../shared/fixtures beside the checkout).");

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (System.IO.Directory.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared", "fixtures");
            if (System.IO.Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) return Path.GetFullPath(candidate);
        }
        return null;
    }
}

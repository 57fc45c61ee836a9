namespace FhirPortal.Server.Tests;

/// <summary>
/// Locates ../shared/fixtures (third-party FHIR data beside the checkout). In CI (CI=true) a missing folder is a
/// failure, never a silent skip; outside CI tests that need it return early with a message.
/// </summary>
public static class SharedFixtures
{
    public static string? Directory { get; } = Find();

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path of a fixture subfolder; throws in CI when missing, returns null elsewhere.</summary>
    public static string? Require(string subfolder)
    {
        var path = Directory is null ? null : Path.Combine(Directory, subfolder);
        if (path is not null && System.IO.Directory.Exists(path)) return path;
        if (InCi) throw new InvalidOperationException($"CI=true but the shared fixtures folder '{subfolder}' is missing (expected ../shared/fixtures beside the checkout).");
        return null;
    }

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

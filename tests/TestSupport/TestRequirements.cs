namespace FhirPortal.TestSupport;

/// <summary>
/// What a test needs beyond the .NET SDK (the Cosmos emulator, ../shared/fixtures, a browser). In CI (CI=true) a missing
/// one fails the test loudly; elsewhere the test is reported as Skipped with the reason, never as passed. Tests that
/// can be skipped are [SkippableFact]/[SkippableTheory] (xunit 2 has no dynamic skip of its own).
/// </summary>
internal static class TestRequirements
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>What to throw when <paramref name="reason"/> stops the test: a failure in CI, a skip elsewhere.</summary>
    public static Exception Missing(string reason) =>
        InCi ? new InvalidOperationException("CI=true but " + reason) : new SkipException(reason);
}

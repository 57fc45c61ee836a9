using FhirPortal.TestSupport;

namespace FhirPortal.Search.Tests;

internal static class Indexing
{
    public static readonly SearchParameterRegistry Registry = SearchParameterRegistry.CreateDefault();
    public static readonly SearchIndexer Indexer = new(Registry);
}

/// <summary>
/// Finds ../shared/fixtures beside the checkout. With CI=true a missing folder fails the test; elsewhere the test is
/// reported as Skipped.
/// </summary>
internal static class Fixtures
{
    public static string Folder(string subfolder)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) continue;
            var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", subfolder));
            if (Directory.Exists(path)) return path;
            break;
        }
        throw TestRequirements.Missing($"../shared/fixtures/{subfolder} is missing beside the checkout.");
    }
}

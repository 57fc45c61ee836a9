using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>Builds validators over the repository's profiles/ folder, with or without the shared core definitions.</summary>
internal static class ValidatorFactory
{
    public static readonly FhirParser Parser = new(100);
    private static readonly Lazy<ResourceValidator> Plain = new(() => Create(null, ValidationSettings.None));
    private static readonly Lazy<ResourceValidator?> WithCore = new(() =>
        Directory.Exists(CoreDirectory) ? Create(CoreDirectory, ValidationSettings.None) : null);

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("FhirPortal.sln not found above the test binaries.");
        }
    }

    public static string ProfilesDirectory => Path.Combine(RepoRoot, "profiles");
    public static string CoreDirectory => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "fixtures", "definitions"));

    /// <summary>The validator without core definitions: the SDK model plus the portal profiles.</summary>
    public static ResourceValidator Profiles => Plain.Value;

    /// <summary>With the core package folder; null (test skipped by the caller) when the shared fixtures are absent.</summary>
    public static ResourceValidator? Core => WithCore.Value;

    public static ResourceValidator Create(string? core, ValidationSettings settings)
    {
        var resources = new ConformanceResources(core);
        foreach (var (_, resource) in ProfileFolder.ReadAsync(ProfilesDirectory, Parser, CancellationToken.None).GetAwaiter().GetResult())
            if (ConformanceResources.Types.Contains(resource.TypeName)) resources.Set(resource);
        return new ResourceValidator(new ProfileCompiler(resources), new ValueSetCodes(resources), settings);
    }

    public static Resource Parse(string json) => Parser.ParseJson(System.Text.Encoding.UTF8.GetBytes(json));

    public static List<OperationOutcome.IssueComponent> Errors(OperationOutcome outcome) =>
        outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal).ToList();
}

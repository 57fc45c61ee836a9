using FhirPortal.Core;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>Builds validators over the repository's profiles/ folder (the R4 core package is always behind it).</summary>
internal static class ValidatorFactory
{
    public static readonly FhirParser Parser = new(100);
    private static readonly Lazy<ResourceValidator> Plain = new(() => Create(ValidationSettings.None));

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
    /// <summary>The validator over the portal profiles and the R4 core package, without a write policy.</summary>
    public static ResourceValidator Profiles => Plain.Value;

    /// <summary>The portal profiles stored, as the server stores profiles/ at start-up.</summary>
    public static ConformanceResources Resources()
    {
        var resources = new ConformanceResources();
        foreach (var (_, resource) in ProfileFolder.ReadAsync(ProfilesDirectory, Parser, CancellationToken.None).GetAwaiter().GetResult())
            if (ConformanceResources.Types.Contains(resource.TypeName)) resources.Set(resource);
        return resources;
    }

    public static ResourceValidator Create(ValidationSettings settings) => new(Resources(), settings);

    public static Resource Parse(string json) => Parser.ParseJson(System.Text.Encoding.UTF8.GetBytes(json));

    public static List<OperationOutcome.IssueComponent> Errors(OperationOutcome outcome) =>
        outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal).ToList();
}

using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Validation;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Validates an instance against the R4 base (the SDK model's attribute validation, plus the core package's
/// invariants and required bindings when configured) and against every profile it claims, is asked for, or the
/// server requires for its type. All issues end up in one OperationOutcome.
/// </summary>
public sealed class ResourceValidator(ProfileCompiler compiler, ValueSetCodes valueSets, ValidationSettings settings)
{
    private readonly ProfileCheck _profiles = new(compiler.Resources);

    public ValidationSettings Settings => settings;

    /// <summary>Whether a write of this resource is validated: it claims a profile, or its type requires one.</summary>
    public bool AppliesOnWrite(Resource resource) =>
        resource.Meta?.Profile.Any() == true || settings.RequiredProfiles.ContainsKey(resource.TypeName);

    /// <summary>On create/update/patch: a 422 with every issue when the resource has errors (or is a profile that cannot be used).</summary>
    /// <summary>422 on any error; otherwise the warnings (e.g. an unknown claimed profile), or null when there are none.</summary>
    public OperationOutcome? EnsureValid(Resource resource)
    {
        if (resource is StructureDefinition profile) _profiles.EnsureUsable(profile);
        if (!AppliesOnWrite(resource)) return null;
        var issues = Run(resource, [], applyRequired: true);
        if (issues.HasErrors) throw new FhirOutcomeException(422, issues.ToOutcome());
        return issues.All.Count > 0 ? issues.ToOutcome() : null;
    }

    /// <summary>$validate: the base, claimed profiles and <paramref name="profiles"/>; the write policy too when <paramref name="asWrite"/>.</summary>
    public OperationOutcome Validate(Resource resource, IEnumerable<string> profiles, bool asWrite) =>
        Run(resource, profiles, asWrite).ToOutcome();

    private Issues Run(Resource resource, IEnumerable<string> extraProfiles, bool applyRequired)
    {
        var issues = new Issues();
        var type = resource.TypeName;
        foreach (var problem in resource.Validate(NarrativeValidationKind.None, null))
            issues.Error(problem.ErrorCode == "PVAL105" ? IssueType.Required : IssueType.Structure, problem.InstancePath ?? type, problem.Message);

        var node = resource.ToPocoNode();
        var context = new FhirEvaluationContext { Resource = node, RootResource = node };
        if (compiler.Core(type) is { } core)
            new InstanceWalker(compiler, valueSets, issues, context, coreMode: true).Check(resource, node, core.Root, core, type);

        var profiles = new List<string>(resource.Meta?.Profile.OfType<string>() ?? []);
        profiles.AddRange(extraProfiles);
        var required = applyRequired && settings.RequiredProfiles.TryGetValue(type, out var requiredProfile) ? requiredProfile : null;
        if (required is not null) profiles.Add(required);
        foreach (var url in profiles.Distinct(StringComparer.Ordinal))
        {
            if (url == "http://hl7.org/fhir/StructureDefinition/" + type) continue;
            var tree = compiler.Profile(url);
            if (tree is null)
            {
                if (url == required)
                    issues.Error(IssueType.NotFound, $"{type}.meta", $"The server requires profile {url} for {type}, but does not hold it.");
                else if (settings.UnknownProfile == UnknownProfilePolicy.Reject)
                    issues.Error(IssueType.NotSupported, $"{type}.meta.profile", $"Profile {url} is not known to this server.");
                else
                    issues.Warning(IssueType.NotSupported, $"{type}.meta.profile", $"Profile {url} is not known to this server; the resource was checked against the base R4 definition only.");
                continue;
            }
            if (tree.Type != type)
            {
                issues.Error(IssueType.Invalid, type, $"Profile {url} constrains {tree.Type}, not {type}.");
                continue;
            }
            new InstanceWalker(compiler, valueSets, issues, context, coreMode: false).Check(resource, node, tree.Root, tree, type);
        }
        return issues;
    }
}

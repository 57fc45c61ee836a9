using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Validates an instance with Firely's validator against its R4 base, every profile it claims, the profiles it is
/// asked for and the one the server requires for its type; all issues end up in one OperationOutcome. What Firely
/// does not decide is added here: the write policy (required profiles), the unknown-profile policy and the check that
/// a profile constrains the instance's type.
/// </summary>
public sealed class ResourceValidator(ConformanceResources resources, ValidationSettings settings, FhirPortal.Storage.PortalMetrics? metrics = null)
{
    private readonly ProfileCheck _profiles = new(resources);
    private readonly object _gate = new();
    private volatile ValidationEngine? _engine;

    private readonly Firely.Fhir.Validation.ValidationSettings _firelySettings = new()
    {
        // Unknown claimed profiles are reported by the server's policy (Run); the validator checks the known ones.
        SelectValidationProfiles = (_, profiles, _, _) => [.. profiles.Where(p => resources.StructureDefinition(p.ToString()) is { Type: not null })],
        TransformIssues = FirelyIssues.ToR4,
    };

    /// <summary>Whether validation uses <see cref="Validation.InvariantShortcuts"/>; off only in the test that proves them equivalent.</summary>
    internal bool InvariantShortcuts { get; init; } = true;

    public ValidationSettings Settings => settings;
    public ConformanceResources Resources => resources;

    /// <summary>The current generation's resolver (stored, then core conformance resources), shared with terminology.</summary>
    internal Hl7.Fhir.Specification.Source.IAsyncResourceResolver Resolver => Engine().Resolver;

    /// <summary>Whether a write of this resource is validated: it claims a profile, or its type requires one.</summary>
    public bool AppliesOnWrite(Resource resource) =>
        resource.Meta?.Profile.Any() == true || settings.RequiredProfiles.ContainsKey(resource.TypeName);

    /// <summary>422 on any error; otherwise the warnings (e.g. an unknown claimed profile), or null when there are none.</summary>
    public OperationOutcome? EnsureValid(Resource resource)
    {
        if (resource is StructureDefinition profile) _profiles.EnsureUsable(profile);
        if (!AppliesOnWrite(resource)) return null;
        metrics?.CountValidation(resource.TypeName);
        var issues = Run(resource, [], applyRequired: true);
        if (issues.Any(IsError)) throw new FhirOutcomeException(422, ToOutcome(issues));
        var warnings = issues.Where(i => i.Severity == IssueSeverity.Warning).ToList();
        return warnings.Count > 0 ? ToOutcome(warnings) : null;
    }

    /// <summary>$validate: the base, claimed profiles and <paramref name="profiles"/>; the write policy too when <paramref name="asWrite"/>.</summary>
    public OperationOutcome Validate(Resource resource, IEnumerable<string> profiles, bool asWrite) =>
        ToOutcome(Run(resource, profiles, asWrite));

    /// <summary>Compiles the schemas of every stored profile and of the required ones (start-up warm-up).</summary>
    public void CompileStoredProfiles(CancellationToken ct)
    {
        var engine = Engine();
        foreach (var url in resources.StoredProfiles().Select(p => p.Url).OfType<string>().Concat(settings.RequiredProfiles.Values).Distinct())
        {
            ct.ThrowIfCancellationRequested();
            engine.Compile(url);
        }
    }

    private List<IssueComponent> Run(Resource resource, IEnumerable<string> extraProfiles, bool applyRequired)
    {
        var type = resource.TypeName;
        var issues = new List<IssueComponent>();
        var targets = new List<string>();
        var walked = new List<string>();
        var checkReferences = new List<string>();
        var required = applyRequired && settings.RequiredProfiles.TryGetValue(type, out var requiredProfile) ? requiredProfile : null;
        foreach (var url in (resource.Meta?.Profile.OfType<string>() ?? []).Select(p => (p, true))
                     .Concat(extraProfiles.Select(p => (p, false))).Concat(required is null ? [] : [(required, false)]).DistinctBy(p => p.Item1))
        {
            var (canonical, claimed) = url;
            var definition = resources.StructureDefinition(canonical);
            if (definition is null)
            {
                if (canonical == required)
                    issues.Add(Issue(IssueSeverity.Error, IssueType.NotFound, $"{type}.meta", $"The server requires profile {canonical} for {type}, but does not hold it."));
                else if (settings.UnknownProfile == UnknownProfilePolicy.Reject)
                    issues.Add(Issue(IssueSeverity.Error, IssueType.NotSupported, $"{type}.meta.profile", $"Profile {canonical} is not known to this server."));
                else
                    issues.Add(Issue(IssueSeverity.Warning, IssueType.NotSupported, $"{type}.meta.profile", $"Profile {canonical} is not known to this server; the resource was checked against the base R4 definition only."));
            }
            else if (definition.Type != type)
                issues.Add(Issue(IssueSeverity.Error, IssueType.Invalid, type, $"Profile {canonical} constrains {definition.Type}, not {type}."));
            // Claimed profiles are followed by the validator itself (meta.profile); the others are validated against.
            else
            {
                if (!claimed) targets.Add(canonical);
                walked.Add(canonical);
                if (resources.IsStored(canonical)) checkReferences.Add(canonical);
            }
        }
        // A profile's snapshot carries every constraint of its bases. Firely drops such a base only within one call
        // (target plus claimed profiles); across several targets it would walk the derived profile once per target.
        targets.RemoveAll(target => walked.Any(other => other != target && DerivesFrom(other, target)));
        if (targets.Count == 0) targets.Add(ConformanceResources.CoreBase + type);

        var engine = Engine();
        var validator = engine.Validator(_firelySettings);
        foreach (var target in targets)
        {
            try
            {
                issues.AddRange(FirelyIssues.From(validator.Validate(resource, target), resource));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The validator gives up on some malformed values (e.g. a canonical that is no URI): the resource is invalid, the server stays healthy.
                issues.Add(Issue(IssueSeverity.Error, IssueType.Invalid, type, $"The resource could not be validated against {target}: {e.Message}"));
            }
        }
        foreach (var profile in checkReferences) engine.ReferenceTargets(profile)?.Check(resource, issues);
        return [.. issues.DistinctBy(i => (i.Severity, i.Expression.FirstOrDefault(), i.Diagnostics))];
    }

    /// <summary>Whether <paramref name="profile"/> is <paramref name="ancestor"/> constrained further (its baseDefinition chain reaches it).</summary>
    private bool DerivesFrom(string profile, string ancestor)
    {
        // The depth bound guards against a cycle of stored profiles.
        var current = resources.StructureDefinition(profile)?.BaseDefinition;
        for (var depth = 0; current is not null && depth < 32; depth++)
        {
            if (current.Split('|')[0] == ancestor.Split('|')[0]) return true;
            current = resources.StructureDefinition(current)?.BaseDefinition;
        }
        return false;
    }

    /// <summary>The engine of the current conformance generation (a new one after any conformance change).</summary>
    internal ValidationEngine Engine()
    {
        var engine = _engine;
        if (engine is not null && engine.Generation == resources.Generation) return engine;
        lock (_gate)
        {
            if (_engine is { } current && current.Generation == resources.Generation) return current;
            return _engine = new ValidationEngine(resources, InvariantShortcuts);
        }
    }

    private static bool IsError(IssueComponent issue) => issue.Severity is IssueSeverity.Error or IssueSeverity.Fatal;

    private static IssueComponent Issue(IssueSeverity severity, IssueType code, string expression, string message) =>
        new() { Severity = severity, Code = code, Diagnostics = OutcomeText.Bound(message), Expression = [expression] };

    private static OperationOutcome ToOutcome(List<IssueComponent> issues)
    {
        var outcome = new OperationOutcome { Id = Guid.NewGuid().ToString("N") };
        outcome.Issue.AddRange(issues);
        if (outcome.Issue.Count == 0)
            outcome.Issue.Add(new IssueComponent { Severity = IssueSeverity.Information, Code = IssueType.Informational, Diagnostics = "No issues found." });
        return outcome;
    }
}

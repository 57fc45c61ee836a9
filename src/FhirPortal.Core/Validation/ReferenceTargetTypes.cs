using System.Collections;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Validation;

/// <summary>
/// What Firely's validator leaves out: it checks a Reference's targetProfile only on targets it can resolve (contained
/// resources, Bundle entries). For a literal reference to a resource elsewhere (<c>Group/g1</c>) this checks the type it
/// names against the resource types a stored profile's targetProfiles allow (as the server did before Firely).
/// </summary>
internal sealed partial class ReferenceTargetTypes
{
    private readonly List<(string[] Steps, string Path, HashSet<string> Types)> _rules = [];

    /// <summary>The Reference elements of a snapshot (slices aside) that name target types.</summary>
    public ReferenceTargetTypes(StructureDefinition profile, Func<string, string?> typeOfProfile)
    {
        foreach (var element in profile.Snapshot?.Element ?? [])
        {
            if (element.ElementId is { } id && id.Contains(':')) continue;
            var targets = element.Type.Where(t => t.Code == "Reference").SelectMany(t => t.TargetProfile).OfType<string>().ToList();
            if (targets.Count == 0 || element.Path is not { } path || !path.Contains('.')) continue;
            var types = targets.Select(t => typeOfProfile(t) ?? "?").ToHashSet(StringComparer.Ordinal);
            if (types.Contains("Resource") || types.Contains("?")) continue;
            var steps = path.Split('.')[1..].Select(s => s.EndsWith("[x]", StringComparison.Ordinal) ? s[..^3] : s).ToArray();
            _rules.Add((steps, path, types));
        }
    }

    public void Check(Resource instance, List<IssueComponent> issues)
    {
        foreach (var (steps, _, types) in _rules)
        foreach (var (value, path) in Navigate(instance, steps, instance.TypeName))
        {
            if (value is not ResourceReference reference || (reference.Type ?? ReferencedType(reference.Reference)) is not { } type || types.Contains(type)) continue;
            issues.Add(new IssueComponent
            {
                Severity = IssueSeverity.Error,
                Code = IssueType.Structure,
                Diagnostics = OutcomeText.Bound($"{path} refers to a {type}; allowed targets: {string.Join(", ", types.Order(StringComparer.Ordinal))}."),
                Expression = [path],
            });
        }
    }

    private static IEnumerable<(Base Value, string Path)> Navigate(Base current, string[] steps, string path)
    {
        if (steps.Length == 0)
        {
            yield return (current, path);
            yield break;
        }
        var value = current.EnumerateElements().FirstOrDefault(e => e.Key == steps[0]).Value;
        if (value is IList list)
        {
            for (var i = 0; i < list.Count; i++)
                if (list[i] is Base item)
                    foreach (var found in Navigate(item, steps[1..], $"{path}.{steps[0]}[{i}]")) yield return found;
        }
        else if (value is Base single)
            foreach (var found in Navigate(single, steps[1..], $"{path}.{steps[0]}")) yield return found;
    }

    [GeneratedRegex(@"(?:^|/)([A-Z][A-Za-z]+)(?:/[A-Za-z0-9\-\.]{1,64}(?:/_history/[A-Za-z0-9\-\.]{1,64})?|\?.*)$")]
    private static partial Regex LiteralReference();

    /// <summary>The resource type a literal reference names; null for contained (#id), urn: and logical references.</summary>
    private static string? ReferencedType(string? reference)
    {
        if (string.IsNullOrEmpty(reference) || reference.StartsWith('#') || reference.StartsWith("urn:", StringComparison.Ordinal)) return null;
        var match = LiteralReference().Match(reference);
        return match.Success && ModelInfo.IsKnownResource(match.Groups[1].Value) ? match.Groups[1].Value : null;
    }
}

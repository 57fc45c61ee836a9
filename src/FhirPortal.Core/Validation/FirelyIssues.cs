using System.Collections;
using System.Text.RegularExpressions;
using Firely.Fhir.Validation;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Validation;

/// <summary>
/// Turns the OperationOutcome of Firely's validator into the server's issues. Firely names every step with an index
/// (<c>Observation.code[0].coding[0]</c>) and reports a missing element at its parent; the server's
/// <c>expression</c> names the element itself, with an index only where the element repeats and a choice entered as
/// <c>value.ofType(Quantity)</c>, as FHIRPath writes it.
/// </summary>
internal static partial class FirelyIssues
{
    public static IEnumerable<OperationOutcome.IssueComponent> From(OperationOutcome report, Resource instance)
    {
        foreach (var issue in report.Issue)
        {
            if (issue.Severity is OperationOutcome.IssueSeverity.Information) continue;
            // Firely puts its message in details.text and a definition trace in diagnostics.
            var message = issue.Details?.Text ?? issue.Diagnostics ?? "";
            var location = issue.Expression.FirstOrDefault() ?? issue.Location.FirstOrDefault();
            yield return new OperationOutcome.IssueComponent
            {
                Severity = issue.Severity,
                Code = issue.Code,
                Diagnostics = OutcomeText.Bound(message),
                Expression = location is null ? [] : [Expression(location, message, instance)],
            };
        }
    }

    /// <summary>
    /// Where Firely is stricter than R4 (the authority here), its error becomes a warning: its CanonicalValidator
    /// requires absolute canonicals, R4 allows relative ones (resolved against the server base, as the official
    /// examples' <c>Library/...</c> do); and its schema compiler adds Bundle invariant bdl-15 from later FHIR versions.
    /// </summary>
    public static IssueAssertion? ToR4(IssueAssertion issue) =>
        issue.Severity is OperationOutcome.IssueSeverity.Error
        && (issue.Message.StartsWith("Canonical URLs must be absolute", StringComparison.Ordinal) || issue.Message.StartsWith("Instance failed constraint bdl-15 ", StringComparison.Ordinal))
            ? issue.WithSeverity(OperationOutcome.IssueSeverity.Warning)
            : issue;

    [GeneratedRegex(@"^(?:Missing required member|No elements matched required slice|Instance count at element): '(?:[A-Za-z]+\.)*([A-Za-z0-9]+)")]
    private static partial Regex MissingChild();

    [GeneratedRegex(@"^([A-Za-z0-9_]+)(?:\[(\d+)\])?$")]
    private static partial Regex Step();

    public static string Expression(string location, string message, Resource instance)
    {
        var steps = location.Split('.');
        if (steps.Length == 0 || steps[0] != instance.TypeName) return location;
        var path = steps[0];
        Base? current = instance;
        for (var s = 1; s < steps.Length; s++)
        {
            var match = Step().Match(steps[s]);
            if (!match.Success || current is null) return location;
            var name = match.Groups[1].Value;
            var value = current.EnumerateElements().FirstOrDefault(e => e.Key == name).Value;
            var choice = ModelInfo.ModelInspector.FindClassMapping(current.GetType())?.FindMappedElementByName(name)?.Choice is ChoiceType.DatatypeChoice;
            if (value is IList list)
            {
                var index = match.Groups[2].Success ? int.Parse(match.Groups[2].Value) : 0;
                path += $".{name}[{index}]";
                current = index < list.Count ? list[index] as Base : null;
            }
            else
            {
                current = value as Base;
                path += choice && s < steps.Length - 1 && current is not null ? $".{name}.ofType({current.TypeName})" : $".{name}";
            }
        }
        if (MissingChild().Match(message) is { Success: true } missing && !path.EndsWith("." + missing.Groups[1].Value, StringComparison.Ordinal))
            path += "." + missing.Groups[1].Value;
        return path;
    }
}

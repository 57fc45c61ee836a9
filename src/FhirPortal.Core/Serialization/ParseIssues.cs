using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace FhirPortal.Core.Serialization;

/// <summary>Chooses which SDK parse issues reject a body, and maps them to OperationOutcome issues.</summary>
internal static class ParseIssues
{
    public static IEnumerable<CodedException> Relevant(IEnumerable<CodedException> issues, Resource? parsed, IReadOnlyList<JsonNumber> inexact) =>
        issues.Where(i => !IsSpecLenient(i) && !IsTypeOnlyResource(i, parsed)
                          // R4 decimals have no range limit; the SDK refuses what System.Decimal cannot hold (ExactDecimals).
                          && !(i.ErrorCode == "PVAL123" && ExactDecimals.Explains(inexact, i.Message)));

    // R4 lets a resource consist of its type alone ({"resourceType":"Parameters"} is what FhirClient posts for an
    // operation without inputs); the SDK reports it as an empty element (JSON120, and PVAL129 in both formats).
    private static bool IsTypeOnlyResource(CodedException issue, Resource? parsed)
    {
        if (parsed is null || issue.ErrorCode is not ("JSON120" or "PVAL129")) return false;
        var path = issue is FhirJsonException { InstancePath.Length: > 0 } json ? json.InstancePath : PathInMessage(issue.Message);
        return path is not null && PocoPath.Find(parsed, path) is Resource;
    }

    private static string? PathInMessage(string message) =>
        Regex.Match(message, @" At (\S+), line \d") is { Success: true } match ? match.Groups[1].Value : null;

    // The SDK is stricter than R4 in two places; both rules belong to instance validation, not parsing:
    //  - narrative txt-2 ("SHALL have some non-whitespace content") is an invariant;
    //  - uri/url/canonical only need to be non-whitespace in R4, the SDK applies URI syntax.
    private static bool IsSpecLenient(CodedException issue) =>
        issue.ErrorCode == "PVAL115" && issue.Message.Contains("non-whitespace content", StringComparison.Ordinal)
        || issue.ErrorCode == "PVAL124" && (issue.Message.Contains("for a canonical", StringComparison.Ordinal)
                                            || issue.Message.Contains("for a uri", StringComparison.Ordinal)
                                            || issue.Message.Contains("for a url", StringComparison.Ordinal));

    public static OperationOutcome ToOutcome(IReadOnlyList<CodedException> issues, string fallback)
    {
        if (issues.Count == 0) return Outcomes.Error(OperationOutcome.IssueType.Structure, fallback);
        var outcome = new OperationOutcome { Id = Guid.NewGuid().ToString("N") };
        foreach (var issue in issues)
        {
            var (path, type, line, position) = issue switch
            {
                FhirJsonException j => (j.InstancePath, j.IssueType, j.LineNumber, j.Position),
                FhirXmlException x => (x.InstancePath, x.IssueType, x.LineNumber, x.Position),
                _ => (null, OperationOutcome.IssueType.Structure, (long?)null, (long?)null),
            };
            var component = new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = type,
                Diagnostics = OutcomeText.Bound(issue.Message),
            };
            if (!string.IsNullOrEmpty(path)) component.Expression = [path];
            if (line is not null) component.Location = [$"line {line}, col {position}"];
            outcome.Issue.Add(component);
        }
        return outcome;
    }
}

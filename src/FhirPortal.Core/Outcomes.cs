using Hl7.Fhir.Model;

namespace FhirPortal.Core;

/// <summary>Builders for the OperationOutcomes the server returns.</summary>
public static class Outcomes
{
    public static OperationOutcome Error(OperationOutcome.IssueType type, string message, string? expression = null) =>
        Issue(OperationOutcome.IssueSeverity.Error, type, message, expression);

    public static OperationOutcome Information(string message) =>
        Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, message, null);

    public static OperationOutcome Issue(OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType type, string message, string? expression)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = type, Diagnostics = OutcomeText.Bound(message) };
        if (expression is not null) issue.Expression = [expression];
        return new OperationOutcome { Id = Guid.NewGuid().ToString("N"), Issue = [issue] };
    }
}

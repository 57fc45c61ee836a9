using Hl7.Fhir.Model;
using static Hl7.Fhir.Model.OperationOutcome;

namespace FhirPortal.Core.Validation;

/// <summary>Collects every issue of one validation run; becomes one OperationOutcome.</summary>
public sealed class Issues
{
    private readonly List<IssueComponent> _issues = [];
    private readonly HashSet<(string?, string?)> _seen = [];

    public IReadOnlyList<IssueComponent> All => _issues;
    public bool HasErrors => _issues.Any(i => i.Severity is IssueSeverity.Error or IssueSeverity.Fatal);

    public void Error(IssueType code, string expression, string message) => Add(IssueSeverity.Error, code, expression, message);
    public void Warning(IssueType code, string expression, string message) => Add(IssueSeverity.Warning, code, expression, message);

    public void Add(IssueSeverity severity, IssueType code, string? expression, string message)
    {
        // The same rule can be reached twice (a profile and its base type): report it once.
        if (!_seen.Add((expression, message))) return;
        var issue = new IssueComponent { Severity = severity, Code = code, Diagnostics = OutcomeText.Bound(message) };
        if (expression is not null) issue.Expression = [expression];
        _issues.Add(issue);
    }

    public OperationOutcome ToOutcome()
    {
        var outcome = new OperationOutcome { Id = Guid.NewGuid().ToString("N") };
        outcome.Issue.AddRange(_issues);
        if (outcome.Issue.Count == 0)
            outcome.Issue.Add(new IssueComponent { Severity = IssueSeverity.Information, Code = IssueType.Informational, Diagnostics = "No issues found." });
        return outcome;
    }
}

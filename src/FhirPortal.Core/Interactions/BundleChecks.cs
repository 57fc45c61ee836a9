using Hl7.Fhir.Model;

namespace FhirPortal.Core.Interactions;

/// <summary>Shared checks and ordering for batch and transaction Bundles.</summary>
internal static class BundleChecks
{
    public static EntryTarget[] Targets(Bundle bundle, string baseUrl) =>
        bundle.Entry.Select((e, i) => Target(e, i, baseUrl)).ToArray();

    public static EntryTarget Target(Bundle.EntryComponent entry, int index, string baseUrl)
    {
        if (entry.Request?.Method is null || string.IsNullOrEmpty(entry.Request.Url))
            throw FhirOutcomeException.BadRequest("Every entry needs request.method and request.url.", $"Bundle.entry[{index}].request");
        return EntryTarget.Parse(entry.Request.Url, baseUrl, index) with { Method = entry.Request.Method.Value };
    }

    /// <summary>DELETE, then POST, then PUT and PATCH, then GET and HEAD, each group in Bundle order.</summary>
    public static IEnumerable<int> ProcessingOrder(IReadOnlyList<EntryTarget> targets) =>
        Enumerable.Range(0, targets.Count).OrderBy(i => targets[i].Method switch
        {
            Bundle.HTTPVerb.DELETE => 0,
            Bundle.HTTPVerb.POST => 1,
            Bundle.HTTPVerb.PUT or Bundle.HTTPVerb.PATCH => 2,
            _ => 3,
        });

    /// <summary>Prefixes each issue's location with the entry it came from.</summary>
    public static FhirOutcomeException AtEntry(FhirOutcomeException error, int index)
    {
        var prefix = $"Bundle.entry[{index}]";
        foreach (var issue in error.Outcome.Issue)
        {
            var expressions = issue.Expression.OfType<string>().ToList();
            issue.Expression = expressions.Count == 0
                ? [prefix]
                : expressions.Select(e => e.StartsWith("Bundle.entry[", StringComparison.Ordinal) ? e : $"{prefix}.resource.{e}").ToList();
            if (issue.Diagnostics?.StartsWith("Entry ", StringComparison.Ordinal) != true)
                issue.Diagnostics = OutcomeText.Bound($"Entry {index}: {issue.Diagnostics}");
        }
        return error;
    }
}

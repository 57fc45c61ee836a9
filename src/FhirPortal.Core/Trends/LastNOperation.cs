using FhirPortal.Core.Audit;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Operations;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Trends;

/// <summary>
/// Observation/$lastn (R4 observation-operation-lastn.html, as Microsoft's FHIR server and HAPI run it): for each
/// distinct code, the <c>max</c> (default 1) most recent Observations by effective date, as a searchset. Takes the
/// ordinary Observation search parameters (patient, subject, category, code, date, ...). With <c>code</c> naming
/// codes, each code is one group and one indexed query of <c>max</c> rows; otherwise the group is each Observation's
/// first <c>code.coding</c> and the matches are read newest first.
/// </summary>
public sealed class LastNOperation(ObservationSelection selection, FhirLimits limits, AccessAudit audit)
{
    private const string Path = "Observation/$lastn";

    public Task<BundleResult> ExecuteAsync(string baseUrl, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct) =>
        audit.RecordAsync("operation", "Observation", AccessAudit.Describe(Path, parameters), Patients(parameters),
            () => RunAsync(baseUrl, parameters, ct), BundleResult.Resources);

    private async Task<BundleResult> RunAsync(string baseUrl, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var max = 1;
        foreach (var (_, value) in parameters.Where(p => p.Key == "max"))
            max = OperationParameters.Count(value, limits.MaxPageSize, "max");
        var query = await selection.QueryAsync([.. parameters.Where(p => p.Key != "max")], "$lastn", ct);
        var entries = ExplicitCodes(query) is { } index
            ? await ByCodeAsync(query, index, max, ct)
            : await ScanAsync(query, max, ct);
        var results = entries.Select(r => new BundleEntryResult(r, SearchMode: Bundle.SearchEntryMode.Match)).ToList();
        return new BundleResult(Bundle.BundleType.Searchset, results, PagingLinks.Build(baseUrl, Path, parameters, null, null), results.Count);
    }

    /// <summary>One query per requested code, newest first, <paramref name="max"/> rows each (the patient+code index answers it).</summary>
    private async Task<List<StoredResource>> ByCodeAsync(SearchQuery query, int index, int max, CancellationToken ct)
    {
        var entries = new List<StoredResource>();
        var seen = new HashSet<ResourceKey>();
        var condition = (TokenCondition)query.Conditions[index];
        foreach (var code in condition.AnyOf)
        {
            var conditions = query.Conditions.ToList();
            conditions[index] = condition with { AnyOf = [code] };
            var taken = 0;
            await foreach (var resource in selection.ReadAsync(query with { Conditions = conditions, Count = max }, ct))
            {
                if (seen.Add(resource.Key)) entries.Add(resource);
                if (++taken == max) break;
            }
        }
        return entries;
    }

    /// <summary>Every match newest first; keeps the first <paramref name="max"/> of each code.</summary>
    private async Task<List<StoredResource>> ScanAsync(SearchQuery query, int max, CancellationToken ct)
    {
        var groups = new Dictionary<string, List<StoredResource>>(StringComparer.Ordinal);
        await foreach (var resource in selection.ReadAsync(query, ct))
        {
            var key = ObservationJson.FirstCode(resource.Json.Span) ?? "";
            if (!groups.TryGetValue(key, out var group)) groups[key] = group = [];
            if (group.Count < max) group.Add(resource);
        }
        return groups.OrderBy(g => g.Key, StringComparer.Ordinal).SelectMany(g => g.Value).ToList();
    }

    /// <summary>Where the <c>code</c> condition is when it lists plain codes (no modifier, each with a code), else null.</summary>
    private static int? ExplicitCodes(SearchQuery query)
    {
        var codes = query.Conditions.Select((c, i) => (c, i))
            .Where(x => x.c is TokenCondition { Param: "code" }).ToList();
        return codes is [(TokenCondition { Modifier: TokenModifier.None } code, var index)] && code.AnyOf.All(m => m.Code is not null)
            ? index
            : null;
    }

    private static IReadOnlyList<string> Patients(IReadOnlyList<KeyValuePair<string, string>> parameters) =>
        [.. parameters.Where(p => p.Key is "patient" or "subject").SelectMany(p => p.Value.Split(','))
            .Select(ObservationSelection.PatientId).OfType<string>().Distinct()];
}

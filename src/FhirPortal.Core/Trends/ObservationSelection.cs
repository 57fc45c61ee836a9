using System.Runtime.CompilerServices;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Search;
using FhirPortal.Storage;

namespace FhirPortal.Core.Trends;

/// <summary>
/// The Observations $lastn and $stats work on: ordinary Observation search parameters, narrowed to what the caller
/// may see, newest first (<c>date</c> descending), read page by page through the store's patient and code indexes.
/// </summary>
public sealed class ObservationSelection(IResourceStore store, SearchQueryParser parser, SearchExpansion expansion, FhirLimits limits, CallerContext callers)
{
    private static readonly HashSet<string> ResultParameters = ["_sort", "_count", "_cursor", "_total", "_include", "_revinclude", "_summary", "_elements", "_contained", "_containedType"];

    /// <summary>The narrowed store query, or 400 for parameters it cannot use, 403 for another patient's observations.</summary>
    /// <param name="operation">The operation's name for messages ($lastn, $stats).</param>
    public async Task<SearchQuery> QueryAsync(IReadOnlyList<KeyValuePair<string, string>> parameters, string operation, CancellationToken ct)
    {
        var access = callers.Current;
        var patients = parameters.Where(p => p.Key is "patient" or "subject").Select(p => p.Value).ToList();
        // Note: a patient's token must name its patient, so the answer can never be read as "every patient's trend".
        if (patients.Count == 0 && access.IsPatientBound)
            throw FhirOutcomeException.BadRequest($"{operation} needs a patient (or subject) parameter with a patient's access token.", "patient");
        foreach (var patient in patients.SelectMany(p => p.Split(',')))
            if (PatientId(patient) is { } id) access.RequirePatientRecord(id);
        foreach (var name in parameters.Select(p => p.Key.Split(':')[0]).Where(ResultParameters.Contains))
            throw FhirOutcomeException.BadRequest($"{operation} does not take {name}: it orders and limits its answer itself.", name);

        ParsedSearch parsed;
        try
        {
            parsed = parser.Parse("Observation", parameters, limits.MaxPageSize, limits.MaxPageSize);
        }
        catch (SearchParameterException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, e.Parameter);
        }
        if (parsed.Unsupported.Count > 0)
            throw FhirOutcomeException.BadRequest($"{operation} does not know these parameters: {string.Join(", ", parsed.Unsupported)}.", parsed.Unsupported[0]);
        var query = access.Narrow(await expansion.ResolveAsync(parsed.Query, ct));
        return query with { Sort = [new SortKey("date", true)], Count = limits.MaxPageSize, Cursor = null, Total = TotalMode.None };
    }

    /// <summary>Every match of <paramref name="query"/>, newest first, one store page at a time.</summary>
    public async IAsyncEnumerable<StoredResource> ReadAsync(SearchQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        for (string? cursor = null; ;)
        {
            var page = await store.SearchAsync(query with { Cursor = cursor }, ct);
            foreach (var entry in page.Entries) yield return entry;
            if ((cursor = page.NextCursor) is null) yield break;
        }
    }

    /// <summary>The patient id of a <c>patient</c>/<c>subject</c> value (<c>123</c> or <c>Patient/123</c>), null for other subjects.</summary>
    public static string? PatientId(string value) => value.Split('/') switch
    {
        [var id] when id.Length > 0 => id,
        [.., "Patient", var id] when id.Length > 0 => id,
        _ => null,
    };
}

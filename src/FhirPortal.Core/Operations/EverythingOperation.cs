using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Core.Summary;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations;

/// <summary>The parsed parameters of one $everything request.</summary>
/// <param name="PatientId">The patient (instance level), or null for every patient (type level).</param>
/// <param name="Echo">The selecting parameters as given, repeated in the paging links.</param>
public sealed record EverythingRequest(
    string? PatientId, IReadOnlyList<string>? Types, DateTimeOffset? Since, FhirDateRange? Start, FhirDateRange? End,
    int Count, string? Cursor, IReadOnlyList<KeyValuePair<string, string>> Echo);

/// <summary>What $everything answers: one page with paging links, or with <paramref name="Download"/> the whole record as one file.</summary>
/// <param name="Bundle">The page; for a download, the Bundle's head (type, no entries) that the download's pages fill.</param>
/// <param name="Readable">With <c>_download=pdf|html</c>: the record rendered for people to read.</param>
public sealed record EverythingResult(BundleResult Bundle, EverythingDownload? Download = null, ReadableFile? Readable = null);

/// <summary>The whole record (<c>_download=true</c>) as pages of entries, read from the store as they are written out.</summary>
/// <param name="Name">The file name without its extension (<c>Patient-{id}-everything</c>).</param>
public sealed record EverythingDownload(string Name, IAsyncEnumerable<IReadOnlyList<BundleEntryResult>> Pages);

/// <summary>
/// Patient/$everything (https://hl7.org/fhir/R4/patient-operation-everything.html): the Patient, every resource in
/// its compartment, and the resources outside any patient compartment they reference, each once, as a searchset
/// paged in storage order. <c>start</c>/<c>end</c> narrow by clinical date (<see cref="ClinicalDates"/>),
/// <c>_since</c> by meta.lastUpdated, <c>_type</c> by type. Without an id: the same for every patient. AuditEvents
/// are left out (<see cref="PatientDataQuery.RecordTypes"/>).
/// </summary>
public sealed class EverythingOperation(IResourceStore store, SearchParameterRegistry registry, FhirLimits limits, AccessAudit audit)
{
    /// <summary>Parameters the REST layer handles (format, download); they are kept in links but select nothing.</summary>
    private static readonly HashSet<string> ResponseParameters = ["_format", "_pretty", "_download", "_cursor"];

    public EverythingRequest Parse(string? patientId, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        List<string>? types = null;
        DateTimeOffset? since = null;
        FhirDateRange? start = null, end = null;
        var count = limits.DefaultPageSize;
        string? cursor = null;
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "_type":
                    types ??= [];
                    types.AddRange(OperationParameters.Types([value], name).Where(t => !types.Contains(t)));
                    break;
                case "_since": since = OperationParameters.Instant(value, name); break;
                case "start": start = OperationParameters.Date(value, name); break;
                case "end": end = OperationParameters.Date(value, name); break;
                case "_count": count = OperationParameters.Count(value, limits.MaxPageSize, name); break;
                case "_cursor": cursor = value; break;
                case "_download" when value is not ("true" or "false" or "pdf" or "html"):
                    throw FhirOutcomeException.BadRequest($"_download is true, pdf or html, not '{value}'.", name);
                case var n when ResponseParameters.Contains(n): break;
                default: throw FhirOutcomeException.BadRequest(
                    $"$everything does not take the parameter '{name}'; it takes start, end, _since, _type and _count.", name);
            }
        }
        if (types?.Contains(PatientDataQuery.AuditEventType) == true)
            throw FhirOutcomeException.BadRequest(
                "$everything does not return AuditEvents: the access log is not part of the record; search AuditEvent?patient= instead.", "_type");
        if (start is { } s && end is { } e && e.End <= s.Start)
            throw FhirOutcomeException.BadRequest("$everything: end is before start.", "end");
        return new EverythingRequest(patientId, types, since, start, end, count, cursor, parameters);
    }

    /// <summary>
    /// Runs $everything for <paramref name="caller"/>: its scopes narrow every store query (<see cref="DataAccess"/>),
    /// and it may not ask for another patient's record (403). Unknown patient 404, deleted 410.
    /// </summary>
    public Task<EverythingResult> ExecuteAsync(
        string baseUrl, string? patientId, IReadOnlyList<KeyValuePair<string, string>> parameters, CallerAccess caller, CancellationToken ct) =>
        // A download's pages are recorded as they are read (AllPagesAsync); a page's entries once it is produced.
        audit.RecordAsync("operation", "Patient", AccessAudit.Describe(patientId is null ? "Patient/$everything" : $"Patient/{patientId}/$everything", parameters),
            patientId is null ? [] : [patientId], () => RunAsync(baseUrl, patientId, parameters, caller, ct),
            r => r.Download is null ? BundleResult.Resources(r.Bundle) : []);

    private async Task<EverythingResult> RunAsync(
        string baseUrl, string? patientId, IReadOnlyList<KeyValuePair<string, string>> parameters, CallerAccess caller, CancellationToken ct)
    {
        var request = Parse(patientId, parameters);
        if (patientId is not null) caller.RequirePatientRecord(patientId);
        var access = DataAccess.For(caller);
        await RequirePatientAsync(request, ct);
        if (parameters.LastOrDefault(p => p.Key == "_download").Value is { } format && format is "pdf" or "html")
            return await ReadableAsync(request, access, format, ct);
        if (!parameters.Any(p => p.Key == "_download" && p.Value == "true"))
            return new EverythingResult(await PageAsync(baseUrl, request, access, ct));
        var name = patientId is null ? "patients-everything" : $"Patient-{patientId}-everything";
        var head = new BundleResult(Bundle.BundleType.Searchset, [], []);
        return new EverythingResult(head, new EverythingDownload(name, AllPagesAsync(request, access, ct)));
    }

    /// <summary>
    /// The whole record as a PDF or HTML file (<c>_download=pdf|html</c>), read page by page (each page audited) and
    /// kept as rows, not resources. One patient's record only.
    /// </summary>
    private async Task<EverythingResult> ReadableAsync(EverythingRequest request, DataAccess access, string format, CancellationToken ct)
    {
        if (request.PatientId is not { } id)
            throw FhirOutcomeException.BadRequest("A readable download (_download=pdf|html) is of one patient's record: Patient/[id]/$everything.", "_download");
        var resources = new List<Resource>();
        await foreach (var page in AllPagesAsync(request, access, ct))
            resources.AddRange(page.Select(e => FhirParser.ParseStored(e.Resource!.Json.Span)));
        var file = ReadableRendering.Render($"Patient-{id}-everything", format, RecordDocument.Build(id, resources));
        return new EverythingResult(new BundleResult(Bundle.BundleType.Searchset, [], []), Readable: file);
    }

    /// <summary>The one store query of a page's part; <paramref name="access"/> narrows it (see <see cref="DataAccess"/>).</summary>
    public SearchQuery Query(EverythingRequest request, RecordPart part, DataAccess access, int count, string? cursor)
    {
        // Without _type, every type but AuditEvent (with it, Parse refused AuditEvent): one NOT IN beats a list of 145 types.
        var filters = new List<SearchCondition>();
        if (request.Types is null) filters.Add(new TypeCondition([PatientDataQuery.AuditEventType], Not: true));
        if (request.Since is { } since) filters.Add(new LastUpdatedCondition(since, null));
        if (request.Start is not null || request.End is not null)
            filters.Add(ClinicalDates.Within(registry, request.Types ?? PatientDataQuery.RecordTypes, request.Start, request.End));
        var patients = request.PatientId is null ? null : new[] { request.PatientId };
        return PatientDataQuery.Build(DataPopulation.PatientRecords(patients) with { Part = part }, null, request.Types, filters, access, count, cursor);
    }

    /// <summary>Checks the patient exists (404) and is not deleted (410) before its record is read.</summary>
    private async Task RequirePatientAsync(EverythingRequest request, CancellationToken ct)
    {
        if (request.PatientId is not { } id) return;
        var patient = await store.ReadAsync(new ResourceKey("Patient", id), ct);
        if (patient is null) throw FhirOutcomeException.NotFound($"Patient/{id} is not known.");
        if (patient.IsDeleted) throw FhirOutcomeException.Gone($"Patient/{id} was deleted.");
    }

    /// <summary>One page as a searchset Bundle with self/next links.</summary>
    private async Task<BundleResult> PageAsync(string baseUrl, EverythingRequest request, DataAccess access, CancellationToken ct)
    {
        var (entries, next) = await ReadAsync(request, access, request.Count, request.Cursor, ct);
        var results = entries.Select(Match).ToList();
        var links = PagingLinks.Build(baseUrl, Path(request), request.Echo, request.Cursor, next);
        return new BundleResult(Bundle.BundleType.Searchset, results, links);
    }

    /// <summary>
    /// The whole record, page after page (for a download in one response): only one page is held at a time, and the
    /// keyset cursor keeps the pages consistent while writes happen.
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<BundleEntryResult>> AllPagesAsync(
        EverythingRequest request, DataAccess access, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? cursor = null;
        do
        {
            (var entries, cursor) = await ReadAsync(request, access, limits.MaxPageSize, cursor, ct);
            await audit.RecordAsync("operation", "Patient", AccessAudit.Describe(Path(request), request.Echo), entries,
                request.PatientId is null ? [] : [request.PatientId]);
            yield return entries.Select(Match).ToList();
        } while (cursor is not null);
    }

    /// <summary>
    /// Up to <paramref name="count"/> resources from the cursor on: first the compartment members, then the
    /// referenced resources, each part in storage order. The members are cheap to page through an index; the
    /// referenced part needs all members' references, so it is only queried once the members are done. The cursor
    /// says which part it continues ("m." or "r." + the store's cursor).
    /// </summary>
    private async Task<(List<StoredResource> Entries, string? Next)> ReadAsync(
        EverythingRequest request, DataAccess access, int count, string? cursor, CancellationToken ct)
    {
        var entries = new List<StoredResource>();
        var part = cursor?.StartsWith("r.", StringComparison.Ordinal) == true ? RecordPart.Referenced : RecordPart.Members;
        var storeCursor = cursor is null ? null : cursor is ['m' or 'r', '.', ..] ? cursor[2..] : throw InvalidCursor();
        if (storeCursor is "") storeCursor = null;
        if (part == RecordPart.Members)
        {
            var members = await SearchAsync(Query(request, RecordPart.Members, access, count, storeCursor), ct);
            entries.AddRange(members.Entries);
            if (members.NextCursor is not null) return (entries, "m." + members.NextCursor);
            if (entries.Count == count) return (entries, "r.");
            storeCursor = null;
        }
        var referenced = await SearchAsync(Query(request, RecordPart.Referenced, access, count - entries.Count, storeCursor), ct);
        entries.AddRange(referenced.Entries);
        return (entries, referenced.NextCursor is null ? null : "r." + referenced.NextCursor);
    }

    private static BundleEntryResult Match(StoredResource resource) => new(resource, SearchMode: Bundle.SearchEntryMode.Match);

    private static FhirOutcomeException InvalidCursor() =>
        FhirOutcomeException.BadRequest("The paging cursor is not valid for $everything; start again from the first page.", "_cursor");

    public static string Path(EverythingRequest request) =>
        request.PatientId is null ? "Patient/$everything" : $"Patient/{request.PatientId}/$everything";

    private async Task<Page> SearchAsync(SearchQuery query, CancellationToken ct)
    {
        try
        {
            return await store.SearchAsync(query, ct);
        }
        catch (ArgumentException e)
        {
            throw FhirOutcomeException.BadRequest(e.Message, "_cursor");
        }
    }
}

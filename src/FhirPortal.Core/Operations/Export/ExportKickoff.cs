using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Interactions;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Operations.Export;

/// <summary>Which kick-off endpoint was called (Bulk Data 2.0 export.html#endpoint).</summary>
public enum ExportLevel { System, Patient, Group }

/// <summary>
/// Validates a Bulk Data kick-off request (https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters) and turns
/// it into a job state. Every value the server cannot honour is a 400 OperationOutcome, before any job exists.
/// </summary>
public sealed class ExportKickoff(IResourceStore store, SearchQueryParser parser, TimeProvider clock, AccessAudit audit)
{
    private static readonly HashSet<string> OutputFormats = ["application/fhir+ndjson", "application/ndjson", "ndjson"];

    public Task<ExportJobState> ParseAsync(
        ExportLevel level, string? groupId, IReadOnlyList<KeyValuePair<string, string>> parameters, string owner, string requestUrl,
        CallerAccess access, CancellationToken ct) =>
        audit.RecordAsync("operation", level switch { ExportLevel.System => null, ExportLevel.Patient => "Patient", _ => "Group" }, requestUrl, [],
            () => ValidateAsync(level, groupId, parameters, owner, requestUrl, access, ct), _ => [], state => state.Patients ?? []);

    private async Task<ExportJobState> ValidateAsync(
        ExportLevel level, string? groupId, IReadOnlyList<KeyValuePair<string, string>> parameters, string owner, string requestUrl,
        CallerAccess access, CancellationToken ct)
    {
        List<string>? types = null, patients = null;
        DateTimeOffset? since = null;
        var typeFilters = new List<string>();
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "_outputFormat":
                    if (!OutputFormats.Contains(value))
                        throw FhirOutcomeException.BadRequest($"_outputFormat '{value}' is not supported; this server writes application/fhir+ndjson.", name);
                    break;
                case "_since": since = OperationParameters.Instant(value, name); break;
                case "_type":
                    types ??= [];
                    types.AddRange(OperationParameters.Types([value], name).Where(t => !types.Contains(t)));
                    break;
                // Several queries may share one value, comma-separated; a comma inside a query (code=a,b) stays in it.
                case "_typeFilter": typeFilters.AddRange(System.Text.RegularExpressions.Regex.Split(value, @",(?=[A-Z][A-Za-z]+\?)")); break;
                case "patient":
                    if (level == ExportLevel.System)
                        throw FhirOutcomeException.BadRequest("The patient parameter applies to Patient/$export and Group/[id]/$export, not to a system export.", name);
                    patients ??= [];
                    patients.Add(PatientId(value));
                    break;
                case "includeAssociatedData":
                    throw FhirOutcomeException.BadRequest(
                        "includeAssociatedData is not supported: this server exports no associated data (such as Provenance it did not store); remove the parameter.", name);
                case "_format": break;
                default:
                    throw FhirOutcomeException.BadRequest(
                        $"$export does not support the parameter '{name}'; it takes _outputFormat, _since, _type, _typeFilter and (Patient/Group) patient.", name);
            }
        }
        // A Patient or Group export is of patients' records, which leave AuditEvents out unless _type names them
        // (an administrator's compliance export); a system export keeps every type.
        var exported = types ?? (level == ExportLevel.System ? PatientDataQuery.AllTypes : PatientDataQuery.RecordTypes);
        foreach (var filter in typeFilters) Validate(filter, types, exported);

        // Note: the job exports only what the kick-off token may search (403 when nothing); a patient's app may
        // name only its own patient.
        var data = DataAccess.For(access);
        foreach (var patient in patients ?? []) access.RequirePatientRecord(patient);
        var warnings = (types ?? []).Where(t => !data.AllowsType(t))
            .Select(t => $"{t} is not exported: the access token does not allow searching {t}.").ToList();
        if (level == ExportLevel.Group)
        {
            var members = await GroupMembersAsync(groupId!, access, warnings, ct);
            patients = patients is null ? members : patients.Where(members.Contains).ToList();
        }
        return new ExportJobState
        {
            Status = ExportJobState.Running,
            Owner = owner,
            Access = access.Caller,
            Request = requestUrl,
            TransactionTime = clock.GetUtcNow(),
            PatientRecords = level != ExportLevel.System,
            Patients = patients?.Distinct().ToList(),
            Types = exported,
            RequestedTypes = types,
            Since = since,
            TypeFilters = typeFilters,
            Warnings = warnings,
        };
    }

    /// <summary>The conditions of the type's <c>_typeFilter</c> values: any one of them may match (OR); none when there is no filter.</summary>
    public SearchCondition? FilterFor(string type, IReadOnlyList<string> typeFilters)
    {
        var alternatives = typeFilters.Where(f => f.StartsWith(type + "?", StringComparison.Ordinal))
            .Select(f => Parse(f).Conditions).ToList();
        return alternatives.Count == 0 ? null : new AnyOfCondition(alternatives);
    }

    private void Validate(string filter, List<string>? types, IReadOnlyList<string> exported)
    {
        var query = Parse(filter);
        if (types is not null && !types.Contains(query.ResourceType!))
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}' names {query.ResourceType}, which _type does not include.", "_typeFilter");
        if (!exported.Contains(query.ResourceType!))
            throw FhirOutcomeException.BadRequest(
                $"_typeFilter '{filter}' names {query.ResourceType}, which a Patient or Group export includes only when _type names it.", "_typeFilter");
        if (query.Includes.Count + query.RevIncludes.Count > 0 || query.Sort.Count > 0 || query.Cursor is not null || query.Total != TotalMode.None)
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}' may only hold search criteria, not _include, _sort, _count or _total.", "_typeFilter");
        if (query.Conditions.Any(c => c is TerminologyCondition or ListCondition))
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}': :in, :not-in, :below, :above and _list are not supported in export filters.", "_typeFilter");
    }

    private SearchQuery Parse(string filter)
    {
        var mark = filter.IndexOf('?');
        var type = mark < 0 ? filter : filter[..mark];
        if (mark < 0 || !PatientDataQuery.AllTypes.Contains(type))
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}' must be a resource type, '?', and search parameters.", "_typeFilter");
        var parameters = QueryString.Parse(filter[(mark + 1)..]);
        if (parameters.Any(p => p.Key == "_count"))
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}' may only hold search criteria, not _count.", "_typeFilter");
        ParsedSearch parsed;
        try
        {
            parsed = parser.Parse(type, parameters, 1, 1);
        }
        catch (SearchParameterException e)
        {
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}': {e.Message}", "_typeFilter");
        }
        if (parsed.Unsupported.Count > 0)
            throw FhirOutcomeException.BadRequest($"_typeFilter '{filter}' uses parameters this server does not support: {string.Join(", ", parsed.Unsupported)}.", "_typeFilter");
        return parsed.Query;
    }

    private static string PatientId(string reference)
    {
        var parts = reference.Split('/');
        return parts is ["Patient", { Length: > 0 } id]
            ? id
            : throw FhirOutcomeException.BadRequest($"patient must reference a Patient as Patient/[id], not '{reference}'.", "patient");
    }

    /// <summary>The Patient ids among the Group's members; other members are reported as warnings.</summary>
    private async Task<List<string>> GroupMembersAsync(string groupId, CallerAccess access, List<string> warnings, CancellationToken ct)
    {
        var stored = await store.ReadAsync(new ResourceKey("Group", groupId), ct);
        if (stored is null || stored.IsDeleted) throw FhirOutcomeException.NotFound($"Group/{groupId} is not known.");
        await access.RequireReadAsync(stored, Permissions.Read, ct);
        var group = (Group)Serialization.FhirParser.ParseStored(stored.Json.Span);
        var patients = new List<string>();
        foreach (var member in group.Member)
        {
            var reference = member.Entity?.Reference;
            if (reference?.Split('/') is ["Patient", { Length: > 0 } id]) patients.Add(id);
            else warnings.Add($"Group/{groupId} member '{reference ?? member.Entity?.Display}' is not a Patient reference; it was not exported.");
        }
        return patients;
    }
}

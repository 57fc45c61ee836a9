using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;

namespace FhirPortal.Auth.Audit;

/// <summary>
/// One access to a patient's record as the access-log page lists it, or several aggregated into one AuditEvent
/// (<paramref name="From"/>: the first of them; <paramref name="When"/>: the last).
/// </summary>
public sealed record AccessEntry(DateTimeOffset When, string Who, string App, string What, bool Succeeded, DateTimeOffset? From = null);

/// <summary>One page of a patient's access log, newest first, and the cursor of the next (older) page.</summary>
public sealed record AccessLogPage(IReadOnlyList<AccessEntry> Entries, string? Next);

/// <summary>
/// "Who viewed my record": the RESTful AuditEvents (the access audit's reads, searches and exports, and scheduling
/// changes) that concern a patient, newest first. The search runs as the server; callers pass only the signed-in
/// patient's own id, so nobody sees another patient's log.
/// </summary>
public sealed class AccessLog(SearchInteraction search, CallerContext callers)
{
    public async Task<AccessLogPage> ForAsync(HttpContext http, string patientId, int count, string? cursor, CancellationToken ct)
    {
        try
        {
            return await PageAsync(http, patientId, count, cursor, ct);
        }
        catch (Core.FhirOutcomeException e) when (e.Status == 400 && !string.IsNullOrEmpty(cursor))
        {
            // A cursor the store cannot read (edited or stale link): show the newest page rather than fail the page.
            return await PageAsync(http, patientId, count, null, ct);
        }
    }

    private async Task<AccessLogPage> PageAsync(HttpContext http, string patientId, int count, string? cursor, CancellationToken ct)
    {
        using var _ = callers.Use(Caller.Server);
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("patient", $"Patient/{patientId}"),
            new("type", "http://terminology.hl7.org/CodeSystem/audit-event-type|rest"),
            new("_sort", "-date"),
            new("_count", count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrEmpty(cursor)) parameters.Add(new("_cursor", cursor));
        var bundle = await search.ExecuteAsync(FhirBase.Of(http), new SearchScope("AuditEvent"), parameters, strict: true, ct);
        var entries = bundle.Entries.Where(e => e.Resource is not null)
            .Select(e => Entry((AuditEvent)FhirParser.ParseStored(e.Resource!.Json.Span))).ToList();
        var next = bundle.Links.FirstOrDefault(l => l.Relation == "next")?.Url is { } url
            ? Core.Interactions.QueryString.Parse(new Uri(url).Query).FirstOrDefault(p => p.Key == "_cursor").Value
            : null;
        return new AccessLogPage(entries, next);
    }

    private static AccessEntry Entry(AuditEvent audit)
    {
        var user = audit.Agent.FirstOrDefault(a => a.Type?.Coding.Any(c => c.Code == "humanuser") == true);
        var app = audit.Agent.FirstOrDefault(a => a.Type?.Coding.Any(c => c.Code == "110150") == true);
        var who = user is null ? "an app without a signed-in user"
            : string.Join(" ", new[] { user.Name, user.Who?.Reference is { } r ? $"({r})" : null }.Where(s => s is not null));
        var what = audit.Period is null ? audit.Entity.FirstOrDefault(e => e.Role?.Code == "24")?.Description
                   ?? audit.OutcomeDesc ?? audit.Subtype.FirstOrDefault()?.Code ?? "" : Aggregated(audit);
        return new AccessEntry(audit.Recorded ?? DateTimeOffset.MinValue, who.Length == 0 ? "unknown user" : who,
            app?.Name ?? audit.Source?.Observer?.Display ?? "", what, audit.Outcome is null or AuditEvent.AuditEventOutcome.N0,
            audit.Period?.StartElement?.ToDateTimeOffset(TimeSpan.Zero));
    }

    // Several accesses in one event: what was done, how many records and queries, and the list (e.g. "read 5 records: ...",
    // distinct records and queries, each named once with how many accesses, "Observation/o1/_history/1 (3 times)").
    private static string Aggregated(AuditEvent audit)
    {
        var records = Named(audit, "4", e => e.What?.Reference);
        var queries = Named(audit, "24", e => e.Description);
        var verb = audit.Subtype.FirstOrDefault()?.Code switch
        {
            "read" or "vread" => "read",
            "search-type" or "search-system" => "searched",
            "operation" => "ran",
            { } other when other.StartsWith("history", StringComparison.Ordinal) => "looked at the history",
            _ => "accessed",
        };
        var counts = new[] { Counted(queries.Count, "query", "queries"), Counted(records.Count, "record", "records") }.Where(c => c.Length > 0);
        var summary = $"{verb} {string.Join(", ", counts)}";
        if (audit.Outcome is not null and not AuditEvent.AuditEventOutcome.N0 && audit.OutcomeDesc is { } error) summary += $" ({error})";
        return $"{summary}: {string.Join(", ", queries.Concat(records).Select(n => n.Count > 1 ? $"{n.Text} ({n.Count} times)" : n.Text))}";
    }

    // The entities of a role with the accesses each stands for (the writer's "accesses" detail; 1 without it).
    private static List<(string Text, int Count)> Named(AuditEvent audit, string role, Func<AuditEvent.EntityComponent, string?> text) =>
        [.. audit.Entity.Where(e => e.Role?.Code == role && text(e) is not null).Select(e => (text(e)!, Accesses(e)))];

    private static int Accesses(AuditEvent.EntityComponent entity) =>
        entity.Detail.FirstOrDefault(d => d.Type == AuditEntity.AccessesDetail)?.Value is FhirString { Value: { } count }
            && int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;

    private static string Counted(int count, string one, string many) => count switch { 0 => "", 1 => $"1 {one}", _ => $"{count} {many}" };
}

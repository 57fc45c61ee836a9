using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Audit;

/// <summary>
/// The index values of an AuditEvent the audit writes, taken straight from its <see cref="AuditRecord"/> instead of
/// evaluating 20-odd FhirPath expressions over a POCO: each R4 AuditEvent parameter with the values its expression
/// selects (a unit test holds the rows equal to the indexer's). A parameter registered beyond these makes
/// <see cref="SearchIndexer.FromValues"/> decline, and the caller indexes the resource in full.
/// </summary>
internal static class AuditEventIndex
{
    /// <summary>The parameters accounted for; those the audit never fills (agent-role, policy, entity-name, meta's) have no values.</summary>
    public static readonly IReadOnlySet<string> Covered = new HashSet<string>(StringComparer.Ordinal)
    {
        "_id", "_lastUpdated", "_profile", "_security", "_source", "_tag",
        "action", "address", "agent", "agent-name", "agent-role", "altid", "date", "entity", "entity-name", "entity-role",
        "entity-type", "outcome", "patient", "policy", "site", "source", "subtype", "type",
    };

    private static readonly Coding Rest = Of(AuditEventJson.Rest), SystemObject = Of(AuditEventJson.SystemObject), Person = Of(AuditEventJson.Person),
        QueryRole = Of(AuditEventJson.QueryRole), DomainResource = Of(AuditEventJson.DomainResource), PatientRole = Of(AuditEventJson.PatientRole);

    public static ResourceIndex? Build(SearchIndexer indexer, AuditRecord record, string id, DateTimeOffset lastUpdated, IEnumerable<string> content) =>
        indexer.FromValues("AuditEvent", id, Covered, Values(record, id, lastUpdated), content);

    private static IEnumerable<(string, Base)> Values(AuditRecord record, string id, DateTimeOffset lastUpdated)
    {
        var access = record.Access;
        var caller = access.Caller;
        yield return ("_id", new Id(id));
        yield return ("_lastUpdated", new Instant(lastUpdated));
        yield return ("type", Rest);
        yield return ("subtype", new Coding(AuditEventJson.Interactions, access.Interaction));
        yield return ("action", new Code(access.ActionCode));
        yield return ("date", new Instant(record.Recorded));
        yield return ("outcome", new Code(access.OutcomeCode));
        yield return ("site", new FhirString(AuditEventJson.Site));
        var user = AuditEventJson.HasUser(caller);
        if (user)
        {
            if (caller.FhirUser is { } fhirUser)
            {
                var who = new ResourceReference(fhirUser);
                yield return ("agent", who);
                if (IsPatient(fhirUser)) yield return ("patient", who);
            }
            if (caller.UserName is { } name)
            {
                yield return ("altid", new FhirString(name));
                yield return ("agent-name", new FhirString(name));
            }
        }
        var app = AuditEventJson.App(caller);
        yield return ("agent", new ResourceReference { Identifier = new Identifier(AuditEventJson.ClientIdSystem, app) });
        yield return ("agent-name", new FhirString(app));
        if (caller.NetworkAddress is { } address) yield return ("address", new FhirString(address));
        foreach (var entity in record.Entities())
        {
            if (entity.Kind == AuditEntityKind.Query)
            {
                yield return ("entity-type", SystemObject);
                yield return ("entity-role", QueryRole);
                continue;
            }
            var what = new ResourceReference(entity.Text);
            yield return ("entity", what);
            if (entity.Flag) yield return ("patient", what);
            var patient = entity.Kind == AuditEntityKind.Patient;
            yield return ("entity-type", patient ? Person : SystemObject);
            yield return ("entity-role", patient ? PatientRole : DomainResource);
        }
    }

    // The patient parameter keeps the references that resolve() to a Patient: "Patient/id", relative or absolute.
    private static bool IsPatient(string reference) => ReferenceValues.TryParseLiteral(reference, out var type, out _, out _) && type == "Patient";

    private static Coding Of((string System, string Code, string Display) coding) => new(coding.System, coding.Code, coding.Display);
}

using System.Text;
using FhirPortal.Core.Audit;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Audit;

/// <summary>
/// The AuditEvent of an <see cref="AuditRecord"/> built as a POCO, field by field: the reference the directly written
/// JSON and index rows are compared with, so the fast path can never drift from what the SDK writes and indexes. The
/// entities and the period are the test's own (not <see cref="AuditRecord.Entities"/>), so selection bugs fail too.
/// </summary>
internal static class ReferenceAuditEvent
{
    private const string RoleSystem = "http://terminology.hl7.org/CodeSystem/object-role", EntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";

    public static AuditEvent Build(AuditRecord record, IEnumerable<AuditEntity> entities, string id, DateTimeOffset lastUpdated)
    {
        var access = record.Access;
        var times = record.Also.Select(a => a.Access.Recorded).Append(access.Recorded).ToList();
        var audit = new AuditEvent
        {
            Id = id,
            Meta = new Meta { VersionId = "1", LastUpdated = lastUpdated },
            Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "Restful Operation"),
            Subtype = [new Coding("http://hl7.org/fhir/restful-interaction", access.Interaction)],
            Action = access.Interaction == "operation" ? AuditEvent.AuditEventAction.E : AuditEvent.AuditEventAction.R,
            Period = record.Also.Count > 0 ? new Period(new FhirDateTime(times.Min()), new FhirDateTime(times.Max())) : null,
            Recorded = times.Max(),
            Outcome = access.Status switch { < 400 => AuditEvent.AuditEventOutcome.N0, < 500 => AuditEvent.AuditEventOutcome.N4, _ => AuditEvent.AuditEventOutcome.N8 },
            OutcomeDesc = access.Error,
            Agent = Agents(access),
            Source = new AuditEvent.SourceComponent
            {
                Site = "FhirPortal",
                Observer = new ResourceReference { Display = "FhirPortal FHIR server" },
                Type = [new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "3", "Web Server")],
            },
        };
        foreach (var entity in entities)
        {
            var added = entity.Kind switch
            {
                AuditEntityKind.Query => new AuditEvent.EntityComponent
                {
                    Type = new Coding(EntityType, "2", "System Object"),
                    Role = new Coding(RoleSystem, "24", "Query"),
                    Description = entity.Text,
                    Query = entity.Flag ? Encoding.UTF8.GetBytes(entity.Text) : null,
                },
                AuditEntityKind.Version => new AuditEvent.EntityComponent
                {
                    What = new ResourceReference(entity.Text),
                    Type = new Coding(EntityType, "2", "System Object"),
                    Role = new Coding(RoleSystem, "4", "Domain Resource"),
                },
                _ => new AuditEvent.EntityComponent
                {
                    What = new ResourceReference(entity.Text),
                    Type = new Coding(EntityType, "1", "Person"),
                    Role = new Coding(RoleSystem, "1", "Patient"),
                },
            };
            if (entity.Count > 1) added.Detail = [new AuditEvent.DetailComponent { Type = "accesses", Value = new FhirString(entity.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)) }];
            audit.Entity.Add(added);
        }
        return audit;
    }

    private static List<AuditEvent.AgentComponent> Agents(AccessEvent access)
    {
        var caller = access.Caller;
        var network = caller.NetworkAddress is { } address
            ? new AuditEvent.NetworkComponent { Address = address, Type = AuditEvent.AuditEventAgentNetworkType.N2 }
            : null;
        var agents = new List<AuditEvent.AgentComponent>();
        var user = caller.FhirUser is not null || caller.UserName is not null;
        if (user)
            agents.Add(new AuditEvent.AgentComponent
            {
                Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user"),
                Who = caller.FhirUser is { } fhirUser ? new ResourceReference(fhirUser) { Display = caller.UserName } : null,
                AltId = caller.UserName,
                Name = caller.UserName,
                Requestor = true,
                Network = network,
            });
        var app = caller.ClientId ?? (caller.Unrestricted ? "anonymous (access control off)" : "unknown");
        agents.Add(new AuditEvent.AgentComponent
        {
            Type = new CodeableConcept("http://dicom.nema.org/resources/ontology/DCM", "110150", "Application"),
            Who = new ResourceReference { Identifier = new Identifier("urn:ietf:params:oauth:client-id", app), Display = app },
            Name = app,
            Requestor = !user,
            Network = user ? null : network,
        });
        return agents;
    }
}

using System.Text;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Audit;

/// <summary>
/// Turns an <see cref="AccessEvent"/> into its AuditEvent (DICOM/IHE BALP shape): type <c>rest</c>, the
/// restful-interaction subtype, the user, the client app and the network address as agents, and as entities the
/// query, each version returned and the patient concerned (role Patient, so <c>AuditEvent?patient=</c> finds them).
/// Runs off the request path: finding the patients of the returned versions means indexing them.
/// </summary>
public sealed class AccessEventBuilder(SearchIndexer indexer)
{
    private const string RoleSystem = "http://terminology.hl7.org/CodeSystem/object-role", EntityType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private static readonly Coding Rest = new("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "Restful Operation");
    private static readonly Coding HumanUser = new("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user");
    private static readonly Coding Application = new("http://dicom.nema.org/resources/ontology/DCM", "110150", "Application");

    /// <summary>
    /// The AuditEvents of one access. A patient may read the AuditEvents in their compartment, so when the access
    /// concerned several patients each gets a copy holding only their own entities and, instead of the query text
    /// (it can name the others), only its path. No full event is kept: its Patient versions (<c>Patient/x/_history/n</c>)
    /// would put it in every such patient's compartment (AuditEvent's patient parameter follows entity.what).
    /// </summary>
    public IReadOnlyList<AuditEvent> Build(AccessEvent access)
    {
        var versions = access.Resources.Select(v => (Version: v, Patients: PatientsOf(v))).ToList();
        var patients = new SortedSet<string>(access.Patients, StringComparer.Ordinal);
        foreach (var (_, of) in versions) patients.UnionWith(of);
        if (patients.Count <= 1) return [Event(access, access.Query, true, versions.Select(v => v.Version), patients)];
        var events = new List<AuditEvent>();
        var what = access.Query.Split('?', 2)[0];
        foreach (var patient in patients)
            events.Add(Event(access, what, false, versions.Where(v => v.Patients.Contains(patient)).Select(v => v.Version), [patient]));
        return events;
    }

    private static AuditEvent Event(AccessEvent access, string query, bool withQueryText, IEnumerable<StoredResource> versions, IEnumerable<string> patients)
    {
        var audit = new AuditEvent
        {
            Type = Rest,
            Subtype = [new Coding("http://hl7.org/fhir/restful-interaction", access.Interaction)],
            Action = access.Action,
            Recorded = access.Recorded,
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
        audit.Entity.Add(new AuditEvent.EntityComponent
        {
            Type = new Coding(EntityType, "2", "System Object"),
            Role = new Coding(RoleSystem, "24", "Query"),
            Description = query,
            Query = withQueryText ? Encoding.UTF8.GetBytes(query) : null,
        });
        foreach (var version in versions)
            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference($"{version.Key}/_history/{version.VersionId}"),
                Type = new Coding(EntityType, "2", "System Object"),
                Role = new Coding(RoleSystem, "4", "Domain Resource"),
            });
        foreach (var patient in patients)
            audit.Entity.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference($"Patient/{patient}"),
                Type = new Coding(EntityType, "1", "Person"),
                Role = new Coding(RoleSystem, "1", "Patient"),
            });
        return audit;
    }

    /// <summary>The requestor (the signed-in user, else the app itself), the app, and the address the request came from.</summary>
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
                Type = new CodeableConcept(HumanUser.System, HumanUser.Code, HumanUser.Display),
                Who = caller.FhirUser is { } fhirUser ? new ResourceReference(fhirUser) { Display = caller.UserName } : null,
                AltId = caller.UserName,
                Name = caller.UserName,
                Requestor = true,
                Network = network,
            });
        var app = caller.ClientId ?? (caller.Unrestricted ? "anonymous (access control off)" : "unknown");
        agents.Add(new AuditEvent.AgentComponent
        {
            Type = new CodeableConcept(Application.System, Application.Code, Application.Display),
            Who = new ResourceReference { Identifier = new Identifier("urn:ietf:params:oauth:client-id", app), Display = app },
            Name = app,
            Requestor = !user,
            Network = user ? null : network,
        });
        return agents;
    }

    private HashSet<string> PatientsOf(StoredResource version)
    {
        var patients = new HashSet<string>(StringComparer.Ordinal);
        if (version.IsDeleted) return patients;
        if (version.Key.Type == "Patient")
        {
            patients.Add(version.Key.Id);
            return patients;
        }
        if (CompartmentMembership.PatientParameters(version.Key.Type).Count == 0) return patients;
        var resource = FhirParser.ParseStored(version.Json.Span);
        foreach (var compartment in indexer.PatientCompartments(resource)) patients.Add(compartment.Id);
        return patients;
    }
}

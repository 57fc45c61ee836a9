using System.Net;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>
/// The access audit's AuditEvents, built straight to JSON, are stored unvalidated also when AuditEvent's conformance is
/// not what the server ships (unlike the other server-built records): a refused batch would lose the audit trail.
/// </summary>
public sealed class AuditTrustTests
{
    private const string ClinicProfile = "http://clinic.example/StructureDefinition/clinic-auditevent";

    private const string ClinicAuditEvent = """
        {"resourceType":"StructureDefinition","id":"clinic-auditevent","url":"http://clinic.example/StructureDefinition/clinic-auditevent",
         "name":"ClinicAuditEvent","status":"active","kind":"resource","abstract":false,"type":"AuditEvent",
         "baseDefinition":"http://hl7.org/fhir/StructureDefinition/AuditEvent","derivation":"constraint",
         "differential":{"element":[{"id":"AuditEvent.source","path":"AuditEvent.source","min":1}]}}
        """;

    [Theory]
    // The core profile of AuditEvent: nothing but shipped conformance.
    [InlineData("http://hl7.org/fhir/StructureDefinition/AuditEvent")]
    // A profile only the store holds (uploaded before a restart): the booking's records would be validated, the audit's are not.
    [InlineData(ClinicProfile)]
    public async Task Access_audit_events_are_stored_unvalidated_whatever_the_conformance(string required)
    {
        var directory = Path.Combine(Path.GetTempPath(), "fhirportal-tests", Guid.NewGuid().ToString("N"));
        try
        {
            if (required == ClinicProfile)
                using (var before = AuditHost.Create(directory))
                {
                    before.KeepData = true;
                    Assert.Equal(HttpStatusCode.Created, (await before.SystemClient().PutAsync("StructureDefinition/clinic-auditevent", Fhir.Body(ClinicAuditEvent))).StatusCode);
                }
            using var host = AuditHost.Create(directory, new Dictionary<string, string?> { ["FhirPortal:Validation:RequireProfiles"] = $"AuditEvent={required}" });
            host.KeepData = true;
            using var validations = new ValidationCounts(host);
            await AuditHost.SeedAsync(host);
            Assert.Equal(HttpStatusCode.OK, (await host.Client("patient/Patient.rs", "trust-app", patient: "p1").GetAsync("Patient/p1")).StatusCode);

            Assert.NotEmpty(await AuditHost.WaitForAsync(host, "trust-app"));
            Assert.Equal(0L, validations.Of("AuditEvent"));
        }
        finally { FhirPortalHost.TryDelete(directory); }
    }
}

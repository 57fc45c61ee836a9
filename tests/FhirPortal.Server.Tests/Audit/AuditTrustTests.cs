using System.Net;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Audit;

/// <summary>
/// The access audit's AuditEvents, built straight to JSON, go through the same trust check as the other server-built
/// records: stored unvalidated while AuditEvent's conformance is what the server ships, validated once it is not.
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
    // The core profile of AuditEvent: nothing but shipped conformance, the built records are trusted.
    [InlineData("http://hl7.org/fhir/StructureDefinition/AuditEvent", false)]
    // A profile only the store holds (uploaded before a restart): every AuditEvent is validated against it.
    [InlineData(ClinicProfile, true)]
    public async Task Audit_events_are_validated_only_when_their_conformance_is_not_what_the_server_ships(string required, bool validated)
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

            await AuditHost.WaitForAsync(host, "trust-app");
            Assert.Equal(validated, validations.Of("AuditEvent") > 0);
        }
        finally { FhirPortalHost.TryDelete(directory); }
    }
}

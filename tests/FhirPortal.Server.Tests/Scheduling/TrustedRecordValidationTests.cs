using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Validation;
using FhirPortal.Server.Tests.Validation;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Scheduling;

/// <summary>
/// A booking stores the Slot it books without validating it only while every loaded conformance resource is one of
/// the profiles/ files (counted on the validator's meter): a changed profile, one that exists only in the store after
/// a restart, a required profile that is no profiles/ file, or a change made on another instance end the trust.
/// </summary>
public sealed class TrustedRecordValidationTests
{
    private static readonly DateTimeOffset Tomorrow9 = SchedulingData.Now.AddDays(1).AddHours(1);
    private static readonly string ProductionRequired = new ValidationOptions().RequireProfiles;

    private static JsonObject ShippedSlotProfile() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(ValidationHosts.ProfilesDirectory, "StructureDefinition-portal-slot.json")))!.AsObject();

    [Fact]
    public async Task A_booking_skips_validating_the_slot_until_a_profile_of_slots_changes()
    {
        using var data = new SchedulingData(ValidationHosts.Production(("FhirPortal:Validation:RequireProfiles", ProductionRequired + ",Slot")));
        using var validations = new ValidationCounts(data.Host);
        await data.SlotsAsync("dr1", "dr1", Tomorrow9, Tomorrow9.AddHours(1), Tomorrow9.AddHours(2));

        async Task<long> SlotValidationsOfBookingAsync(string patient, string slot)
        {
            var before = validations.Of("Slot");
            await SchedulingData.AppointmentOfAsync(await data.PatientApp(patient).PostAsync("Appointment/$book", SchedulingData.WithResource(SchedulingData.Proposal(patient, slot))));
            return validations.Of("Slot") - before;
        }

        Assert.Equal(0, await SlotValidationsOfBookingAsync("p1", "dr1-0"));

        // The shipped file written again (a new version, same content) changes nothing the proofs rely on.
        Assert.Equal(HttpStatusCode.OK, (await data.Staff.PutAsync("StructureDefinition/portal-slot", Fhir.Body(ShippedSlotProfile()))).StatusCode);
        Assert.Equal(0, await SlotValidationsOfBookingAsync("p2", "dr1-1"));

        var changed = ShippedSlotProfile();
        changed["description"] = "A clinic's own wording";
        Assert.Equal(HttpStatusCode.OK, (await data.Staff.PutAsync("StructureDefinition/portal-slot", Fhir.Body(changed))).StatusCode);
        Assert.True(await SlotValidationsOfBookingAsync("p3", "dr1-2") > 0);
    }

    public static TheoryData<string, string, string, string[], string[]> StoreOnly => new()
    {
        // A clinic's own Slot profile, required after the restart: Slots are validated, other types still trusted.
        { "StructureDefinition/clinic-slot", ClinicSlot, ",Slot=http://clinic.example/StructureDefinition/clinic-slot", ["Slot"], ["Communication", "AuditEvent"] },
        // A ValueSet uploaded under a core URL may change any type's validation.
        { "ValueSet/slotstatus", CoreUrlValueSet, "", ["Slot", "Communication", "AuditEvent"], [] },
    };

    [Theory]
    [MemberData(nameof(StoreOnly))]
    public async Task After_a_restart_a_conformance_resource_only_the_store_holds_keeps_its_types_validated(
        string location, string resource, string required, string[] validated, string[] trusted)
    {
        var first = new FhirPortalHost(settings: ValidationHosts.Production(("FhirPortal:Validation:RequireProfiles", ProductionRequired))) { KeepData = true };
        try
        {
            using (first)
            {
                Assert.True(Trusts(first, "Slot"));
                Assert.Equal(HttpStatusCode.Created, (await first.CreateFhirClient().PutAsync(location, Fhir.Body(resource))).StatusCode);
                Assert.False(Trusts(first, validated[0]));
            }
            using var restarted = new FhirPortalHost(first.DataDirectory, ValidationHosts.Production(("FhirPortal:Validation:RequireProfiles", ProductionRequired + required)));
            restarted.CreateFhirClient();
            Assert.All(validated, type => Assert.False(Trusts(restarted, type), type));
            Assert.All(trusted, type => Assert.True(Trusts(restarted, type), type));
        }
        finally { FhirPortalHost.TryDelete(first.DataDirectory); }
    }

    [Theory]
    // The core package's own profile: records valid against portal-slot are valid against it.
    [InlineData("http://hl7.org/fhir/StructureDefinition/Slot", true)]
    [InlineData("http://fhirportal.org/fhir/StructureDefinition/portal-slot", true)]
    // A shipped file, but of another type: not what the proofs validated Slots against.
    [InlineData("http://fhirportal.org/fhir/StructureDefinition/portal-appointment", false)]
    public void A_type_is_trusted_at_start_up_only_when_its_required_profile_is_a_shipped_file_of_that_type(string profile, bool trusted)
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production(("FhirPortal:Validation:RequireProfiles", $"{ProductionRequired},Slot={profile}")));
        host.CreateFhirClient();
        Assert.True(Trusts(host, "Communication"));
        Assert.Equal(trusted, Trusts(host, "Slot"));
    }

    [Fact]
    public async Task A_profile_changed_on_another_instance_ends_the_trust_on_this_one()
    {
        var settings = ValidationHosts.Production(("FhirPortal:Validation:RequireProfiles", ProductionRequired));
        var a = new FhirPortalHost(settings: settings) { KeepData = true };
        try
        {
            using var b = new FhirPortalHost(a.DataDirectory, settings);
            b.CreateFhirClient();
            Assert.True(Trusts(b, "Slot"));
            var changed = ShippedSlotProfile();
            changed["description"] = "Changed on A";
            Assert.Equal(HttpStatusCode.OK, (await a.CreateFhirClient().PutAsync("StructureDefinition/portal-slot", Fhir.Body(changed))).StatusCode);
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (Trusts(b, "Slot") && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.False(Trusts(b, "Slot"));
            Assert.True(Trusts(b, "Communication"));
        }
        finally
        {
            a.Dispose();
            FhirPortalHost.TryDelete(a.DataDirectory);
        }
    }

    private static bool Trusts(FhirPortalHost host, string type) => host.Services.GetRequiredService<ConformanceResources>().UnchangedSinceStartup(type);

    private const string ClinicSlot = """
        {"resourceType":"StructureDefinition","id":"clinic-slot","url":"http://clinic.example/StructureDefinition/clinic-slot",
         "name":"ClinicSlot","status":"active","kind":"resource","abstract":false,"type":"Slot",
         "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Slot","derivation":"constraint",
         "differential":{"element":[{"id":"Slot.comment","path":"Slot.comment","min":1}]}}
        """;

    private const string CoreUrlValueSet = """
        {"resourceType":"ValueSet","id":"slotstatus","url":"http://hl7.org/fhir/ValueSet/slotstatus","status":"active",
         "compose":{"include":[{"system":"http://hl7.org/fhir/slotstatus","concept":[{"code":"free"}]}]}}
        """;
}

using FhirPortal.Core.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Tests.Validation;

/// <summary>
/// Server-built records skip validation only while every loaded conformance resource is one of the profiles/ files
/// the proofs hold for: judged by content, whenever the change arrives.
/// </summary>
public sealed class StartupTrustTests
{
    private static StructureDefinition Profile(string id, string type, string? version = null, string description = "shipped") => new()
    {
        Id = id, Url = $"http://example.org/StructureDefinition/{id}", Type = type, Description = description,
        Kind = StructureDefinition.StructureDefinitionKind.Resource,
        Meta = version is null ? null : new Meta { VersionId = version, LastUpdated = DateTimeOffset.UnixEpoch.AddDays(int.Parse(version)) },
    };

    private static readonly ValueSet Codes = new() { Id = "codes", Url = "http://example.org/ValueSet/codes" };

    private static StartupTrust Loaded(params Resource[] stored)
    {
        var trust = new StartupTrust();
        trust.Proven([Profile("portal-slot", "Slot"), Codes]);
        foreach (var resource in stored) trust.Changed(null, resource);
        trust.Start([]);
        return trust;
    }

    [Fact]
    public void Nothing_is_trusted_before_the_load_ends()
    {
        var trust = new StartupTrust();
        trust.Proven([Profile("portal-slot", "Slot")]);
        Assert.False(trust.Holds("Slot"));
        trust.Start([]);
        Assert.True(trust.Holds("Slot"));
    }

    [Fact]
    public void Loading_the_proven_files_keeps_the_trust_and_so_does_applying_them_again_in_another_version()
    {
        var trust = Loaded(Profile("portal-slot", "Slot", "1"), Codes);
        trust.Changed(Profile("portal-slot", "Slot", "1"), Profile("portal-slot", "Slot", "1"));
        trust.Changed(Profile("portal-slot", "Slot", "1"), Profile("portal-slot", "Slot", "2"));
        Assert.True(trust.Holds("Slot"));
        Assert.True(trust.Holds("AuditEvent"));
    }

    public static TheoryData<string, Resource?, Resource?, string, bool> Changes => new()
    {
        // A changed resource profile withdraws the trust for its type only.
        { "changed profile", Profile("portal-slot", "Slot", "1"), Profile("portal-slot", "Slot", "2", "stricter"), "Slot", false },
        { "changed profile, other type", Profile("portal-slot", "Slot", "1"), Profile("portal-slot", "Slot", "2", "stricter"), "Communication", true },
        { "deleted profile", Profile("portal-slot", "Slot", "1"), null, "Slot", false },
        { "new profile", null, Profile("clinic-slot", "Slot", "1"), "Slot", false },
        { "new profile, other type", null, Profile("clinic-slot", "Slot", "1"), "Appointment", true },
        // Terminology may affect any type: '*'.
        { "changed ValueSet", Codes, new ValueSet { Id = "codes", Url = Codes.Url, Name = "Other" }, "Appointment", false },
        { "new ValueSet", null, new ValueSet { Id = "vs2", Url = "http://hl7.org/fhir/ValueSet/slotstatus" }, "Slot", false },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_change_that_is_not_a_proven_file_withdraws_the_trust(string change, Resource? before, Resource? after, string type, bool holds)
    {
        var trust = Loaded(Profile("portal-slot", "Slot", "1"), Codes);
        trust.Changed(before, after);
        Assert.True(holds == trust.Holds(type), change);
    }

    [Fact]
    public void A_change_that_arrives_before_the_load_ends_counts()
    {
        var trust = new StartupTrust();
        trust.Proven([Profile("portal-slot", "Slot")]);
        trust.Changed(null, Profile("portal-slot", "Slot", "1"));
        trust.Changed(Profile("portal-slot", "Slot", "1"), Profile("portal-slot", "Slot", "2", "stricter"));
        trust.Start([]);
        Assert.False(trust.Holds("Slot"));
    }

    [Fact]
    public void A_store_only_resource_at_load_withdraws_the_trust_and_so_does_a_type_named_untrusted()
    {
        var trust = new StartupTrust();
        trust.Proven([]);
        trust.Changed(null, Profile("portal-slot", "Slot", "1"));
        trust.Start(["Appointment"]);
        Assert.False(trust.Holds("Slot"));
        Assert.False(trust.Holds("Appointment"));
        Assert.True(trust.Holds("Communication"));
    }
}

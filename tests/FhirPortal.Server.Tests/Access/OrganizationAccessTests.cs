using System.Net;
using FhirPortal.Server.Tests.Access;

namespace FhirPortal.Server.Tests.Accounts;

/// <summary>What organization accounts reach with <c>user/</c> tokens: reads and searches are both limited (see <see cref="OrganizationData"/>).</summary>
public sealed class OrganizationAccessTests(OrganizationData data) : IClassFixture<OrganizationData>
{
    private const string Everything = "user/*.cruds";

    private HttpClient Facility(string org = "fac1") => data.OrganizationClient(Everything, org, "facility", "Practitioner/doc1");
    private HttpClient Employer(string org = "emp1") => data.OrganizationClient(Everything, org, "employer");

    private static async Task<List<string>> Keys(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return [.. (await AccessData.EntryKeysAsync(response)).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task Facility_end_user_reads_and_searches_patients_of_own_facility_only()
    {
        var client = Facility();
        // Managing organization, the facility as general practitioner, a practitioner of the facility, and a role of it.
        Assert.Equal(["Patient/pa", "Patient/pb", "Patient/pd", "Patient/pe"], await Keys(client, "Patient"));
        foreach (var id in new[] { "pa", "pb", "pd", "pe" })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Patient/{id}")).StatusCode);
        Assert.Equal(["Observation/oa", "Observation/ob", "Observation/od", "Observation/oe"], await Keys(client, "Observation"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Observation/oa")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Observation/ob/_history/1")).StatusCode);
        Assert.Equal(["Observation/oa"], await Keys(client, "Observation?subject=Patient/pa"));
        Assert.Equal(["Observation/ob"], await Keys(client, "Patient/pb/Observation"));
    }

    [Fact]
    public async Task Facility_end_user_reading_a_patient_of_another_facility_gets_403()
    {
        var client = Facility();
        foreach (var url in new[] { "Patient/pc", "Observation/oc", "Patient/px", "Observation/ox", "Patient/pc/_history" })
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(url)).StatusCode);
        Assert.Empty(await Keys(client, "Observation?subject=Patient/pc"));
        Assert.Empty(await Keys(client, "Patient?_id=pc,px"));
        Assert.Empty(await Keys(client, "Observation?subject:Patient.organization=Organization/fac2"));
        // The other facility sees its own patient and not fac1's.
        Assert.Equal(["Patient/pc"], await Keys(Facility("fac2"), "Patient"));
        Assert.Equal(HttpStatusCode.Forbidden, (await Facility("fac2").GetAsync("Observation/oa")).StatusCode);
    }

    [Fact]
    public async Task Facility_end_user_includes_and_system_searches_stay_within_the_facility()
    {
        var client = Facility();
        var included = await Keys(client, "Observation?_include=Observation:subject");
        Assert.DoesNotContain("Patient/pc", included);
        Assert.Contains("Patient/pa", included);
        var revIncluded = await Keys(client, "Patient?_id=pa&_revinclude=Observation:subject");
        Assert.Equal(["Observation/oa", "Patient/pa"], revIncluded);
        var system = await Keys(client, "?_type=Patient,Observation,Practitioner");
        Assert.DoesNotContain("Patient/pc", system);
        Assert.DoesNotContain("Observation/oc", system);
        Assert.Contains("Practitioner/doc2", system); // shared resources stay readable
    }

    [Fact]
    public async Task Employer_end_user_reading_an_Observation_gets_403()
    {
        var client = Employer();
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation/oa")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Patient/pa")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Coverage?beneficiary:Patient.name=x")).StatusCode);
    }

    [Fact]
    public async Task Employer_end_user_reads_coverage_claims_and_benefits_of_own_employees_only()
    {
        var client = Employer();
        Assert.Equal(["Coverage/cov1", "Coverage/cov3"], await Keys(client, "Coverage")); // policy holder of cov1, payor of cov3
        Assert.Equal(["Claim/cl1"], await Keys(client, "Claim"));
        Assert.Equal(["ClaimResponse/cr1"], await Keys(client, "ClaimResponse"));
        Assert.Equal(["ExplanationOfBenefit/eob1"], await Keys(client, "ExplanationOfBenefit"));
        foreach (var url in new[] { "Coverage/cov1", "Claim/cl1", "ClaimResponse/cr1", "ExplanationOfBenefit/eob1" })
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url)).StatusCode);
        foreach (var url in new[] { "Coverage/cov2", "Claim/cl2", "ClaimResponse/cr2", "ExplanationOfBenefit/eob2" })
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(url)).StatusCode);
        Assert.Empty(await Keys(client, "Claim?patient=Patient/pc"));
        Assert.Equal(["Coverage/cov2"], await Keys(Employer("emp2"), "Coverage"));
    }

    [Fact]
    public async Task Organization_accounts_cannot_write()
    {
        var observation = """{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/pa"}}""";
        Assert.Equal(HttpStatusCode.Forbidden, (await Facility().PostAsync("Observation", Fhir.Body(observation))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Facility().DeleteAsync("Observation/oa")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Employer().DeleteAsync("Coverage/cov1")).StatusCode);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("")]
    [InlineData("7")]
    public async Task Organization_token_without_a_known_kind_reaches_nothing(string kind)
    {
        var client = data.OrganizationClient(Everything, "fac1", kind);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Patient/pa")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Patient")).StatusCode);
    }

    [Fact]
    public async Task AuditEvents_are_read_by_administrators_and_by_a_patient_for_their_own_events_only()
    {
        var admin = data.AdminClient("user/AuditEvent.rs");
        Assert.Equal(["AuditEvent/ae-admin", "AuditEvent/ae-pa"], await Keys(admin, "AuditEvent"));
        Assert.Equal(["AuditEvent/ae-admin"], await Keys(admin, "AuditEvent?entity=Organization/fac1"));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("AuditEvent/ae-admin")).StatusCode);

        var patient = data.Host.ClientWith("patient/*.rs", "pa");
        Assert.Equal(["AuditEvent/ae-pa"], await Keys(patient, "AuditEvent"));
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.GetAsync("AuditEvent/ae-admin")).StatusCode);

        foreach (var other in new[] { data.Host.ClientWith("user/*.rs", fhirUser: "Practitioner/doc1"), data.Host.ClientWith("system/*.rs"), Facility() })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("AuditEvent")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("AuditEvent/ae-pa")).StatusCode);
            Assert.DoesNotContain(await Keys(other, "Patient?_revinclude=AuditEvent:entity"), k => k.StartsWith("AuditEvent/"));
        }
    }

    [Fact]
    public async Task Nobody_writes_AuditEvents_over_the_API()
    {
        var audit = """{"resourceType":"AuditEvent","type":{"code":"rest"},"recorded":"2026-01-01T00:00:00Z","agent":[{"requestor":true}],"source":{"observer":{"display":"x"}}}""";
        foreach (var client in new[] { data.AdminClient("user/*.cruds"), data.Host.ClientWith("system/*.cruds") })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("AuditEvent", Fhir.Body(audit))).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync("AuditEvent/ae-pa")).StatusCode);
        }
    }
}

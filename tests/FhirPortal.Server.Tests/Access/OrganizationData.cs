using System.Net.Http.Headers;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Validation;
using static FhirPortal.Server.Tests.SeedResources;

namespace FhirPortal.Server.Tests.Accounts;

/// <summary>
/// A secured host (profiles/ loaded, for Claim's "coverage" parameter) with two facilities and two employers:
/// fac1's patients are pa (managingOrganization), pb (general practitioner doc1, who works at fac1 by PractitionerRole
/// role1), pd (general practitioner is fac1 itself) and pe (general practitioner is role1); pc belongs to fac2 and px
/// to nobody. Each patient has one Observation o{x}. emp1 holds cov1 (pa) as policy holder and pays cov3 (pb); emp2
/// holds cov2 (pc); each of cov1 and cov2 has a Claim, ClaimResponse and ExplanationOfBenefit. AuditEvents: ae-pa is
/// about Patient/pa, ae-admin about Organization/fac1. Seeded through Core as the server (AuditEvents take no API writes).
/// </summary>
public sealed class OrganizationData : IAsyncLifetime
{
    public FhirPortalHost Host { get; } = AccessHost.Create(new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = ValidationHosts.ProfilesDirectory });

    public async Task InitializeAsync()
    {
        var resources = new List<string>
        {
            OrganizationJson("fac1", "prov"), OrganizationJson("fac2", "prov"), OrganizationJson("emp1", "bus"), OrganizationJson("emp2", "bus"), OrganizationJson("ins1", "ins"),
            J("{'resourceType':'Practitioner','id':'doc1','name':[{'family':'Doc'}]}"),
            J("{'resourceType':'Practitioner','id':'doc2','name':[{'family':'Other'}]}"),
            J("{'resourceType':'PractitionerRole','id':'role1','practitioner':{'reference':'Practitioner/doc1'},'organization':{'reference':'Organization/fac1'}}"),
            J("{'resourceType':'PractitionerRole','id':'role2','practitioner':{'reference':'Practitioner/doc2'},'organization':{'reference':'Organization/fac2'}}"),
            J("{'resourceType':'Patient','id':'pa','managingOrganization':{'reference':'Organization/fac1'}}"),
            J("{'resourceType':'Patient','id':'pb','generalPractitioner':[{'reference':'Practitioner/doc1'}]}"),
            J("{'resourceType':'Patient','id':'pc','managingOrganization':{'reference':'Organization/fac2'},'generalPractitioner':[{'reference':'Practitioner/doc2'}]}"),
            J("{'resourceType':'Patient','id':'pd','generalPractitioner':[{'reference':'Organization/fac1'}]}"),
            J("{'resourceType':'Patient','id':'pe','generalPractitioner':[{'reference':'PractitionerRole/role1'}]}"),
            J("{'resourceType':'Patient','id':'px'}"),
            Coverage("cov1", "pa", "'policyHolder':{'reference':'Organization/emp1'},'payor':[{'reference':'Organization/ins1'}]"),
            Coverage("cov2", "pc", "'policyHolder':{'reference':'Organization/emp2'},'payor':[{'reference':'Organization/ins1'}]"),
            Coverage("cov3", "pb", "'payor':[{'reference':'Organization/emp1'}]"),
            J("{'resourceType':'AuditEvent','id':'ae-pa','type':{'code':'rest'},'recorded':'2026-01-01T00:00:00Z','agent':[{'requestor':true,'who':{'reference':'Patient/pa'}}],'source':{'observer':{'display':'test'}},'entity':[{'what':{'reference':'Patient/pa'}}]}"),
            J("{'resourceType':'AuditEvent','id':'ae-admin','type':{'code':'rest'},'recorded':'2026-01-01T00:00:00Z','agent':[{'requestor':true,'name':'admin'}],'source':{'observer':{'display':'test'}},'entity':[{'what':{'reference':'Organization/fac1'}}]}"),
        };
        foreach (var p in new[] { "pa", "pb", "pc", "pd", "pe", "px" })
            resources.Add(J($"{{'resourceType':'Observation','id':'o{p[1..]}','status':'final','code':{{'text':'glucose'}},'subject':{{'reference':'Patient/{p}'}}}}"));
        foreach (var (n, patient) in new[] { ("1", "pa"), ("2", "pc") })
        {
            var common = $"'status':'active','type':{{'coding':[{{'system':'http://terminology.hl7.org/CodeSystem/claim-type','code':'professional'}}]}},'use':'claim','patient':{{'reference':'Patient/{patient}'}},'created':'2026-01-01'";
            var insurance = $"{{'focal':true,'coverage':{{'reference':'Coverage/cov{n}'}}}}";
            var sequenced = insurance.Replace("{'focal'", "{'sequence':1,'focal'");
            resources.Add(J($"{{'resourceType':'Claim','id':'cl{n}',{common},'insurance':[{sequenced}],'provider':{{'reference':'Organization/fac1'}},'priority':{{'coding':[{{'code':'normal'}}]}}}}"));
            resources.Add(J($"{{'resourceType':'ClaimResponse','id':'cr{n}',{common},'insurance':[{sequenced}],'insurer':{{'reference':'Organization/ins1'}},'outcome':'complete'}}"));
            resources.Add(J($"{{'resourceType':'ExplanationOfBenefit','id':'eob{n}',{common},'insurance':[{insurance}],'insurer':{{'reference':'Organization/ins1'}},'provider':{{'reference':'Organization/fac1'}},'outcome':'complete'}}"));
        }
        await SeedAsync(Host.Services, resources);
    }

    private static string Coverage(string id, string patient, string parties) =>
        J($"{{'resourceType':'Coverage','id':'{id}','status':'active','beneficiary':{{'reference':'Patient/{patient}'}},{parties}}}");

    /// <summary>A client whose fake token carries scopes and the organization claims (kind: facility, employer, or anything else).</summary>
    public HttpClient OrganizationClient(string scopes, string organization, string kind, string? fhirUser = null)
    {
        var client = Host.CreateFhirClient();
        var token = TestTokenHandler.Token(scopes, fhirUser: fhirUser)
                    + "&fhirportal_org=" + Uri.EscapeDataString("Organization/" + organization) + "&fhirportal_org_kind=" + kind;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient AdminClient(string scopes)
    {
        var client = Host.CreateFhirClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokenHandler.Token(scopes) + "&fhirportal_admin=true");
        return client;
    }

    public Task DisposeAsync()
    {
        Host.Dispose();
        return Task.CompletedTask;
    }
}

namespace FhirPortal.Server.Tests.Search;

/// <summary>Chaining, reverse chaining and the common parameters (_id, _lastUpdated, _tag, _profile, _security, _source, _text, _content).</summary>
public sealed class ChainAndMetaSearchTests : SearchTestBase
{
    private async Task SeedGraphAsync()
    {
        await PutAsync(
            """{"resourceType":"Organization","id":"org1","name":"Acme Health"}""",
            """{"resourceType":"Organization","id":"org2","name":"Other Clinic"}""",
            Patient("cp1", """ "name":[{"family":"Peterson","given":["Peter"]}],"managingOrganization":{"reference":"Organization/org1"}"""),
            Patient("cp2", """ "name":[{"family":"Jones","given":["Paul"]}],"managingOrganization":{"reference":"Organization/org2"}"""),
            Observation("co1", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Patient/cp1"}"""),
            Observation("co2", """ "code":{"coding":[{"system":"http://loinc.org","code":"9999-9"}]},"subject":{"reference":"Patient/cp2"}"""),
            Observation("co3", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Group/cp1"}"""));
    }

    [Fact]
    public async Task Chained_parameters_one_and_two_levels()
    {
        await SeedGraphAsync();
        await AssertIdsAsync("Observation?subject:Patient.name=peter", "co1");
        await AssertIdsAsync("Observation?subject:Patient.name=paul,peter", "co1", "co2");
        await AssertIdsAsync("Observation?patient.family=jones", "co2");
        await AssertIdsAsync("Observation?subject:Patient.organization.name=acme", "co1");
        await AssertIdsAsync("Observation?subject:Patient.organization:Organization.name=other", "co2");
        await AssertIdsAsync("Observation?subject:Patient.organization.name=nobody");
    }

    [Fact]
    public async Task Reverse_chaining_and_nested_has()
    {
        await SeedGraphAsync();
        await AssertIdsAsync("Patient?_has:Observation:patient:code=1234-5", "cp1");
        await AssertIdsAsync("Patient?_has:Observation:subject:code=http://loinc.org|9999-9", "cp2");
        await AssertIdsAsync("Patient?_has:Observation:patient:code=0000-0");
        await AssertIdsAsync("Organization?_has:Patient:organization:_has:Observation:patient:code=1234-5", "org1");
    }

    [Fact]
    public async Task Id_tag_profile_security_source_text_content()
    {
        await PutAsync(
            Patient("m1", """ "meta":{"tag":[{"system":"urn:tags","code":"vip"}],"profile":["http://example.org/StructureDefinition/p1"],"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}],"source":"http://source.example/a"},"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Diabetic patient</div>"},"name":[{"family":"Alpha"}]"""),
            Patient("m2", """ "meta":{"tag":[{"system":"urn:tags","code":"test"}],"source":"http://source.example/b"},"name":[{"family":"Diabetic"}]"""),
            Patient("m3", """ "name":[{"family":"Gamma"}]"""));
        await AssertIdsAsync("Patient?_id=m1,m3", "m1", "m3");
        await AssertIdsAsync("Patient?_id:not=m1,m3", "m2");
        await AssertIdsAsync("Patient?_tag=urn:tags|vip", "m1");
        await AssertIdsAsync("Patient?_tag=test", "m2");
        await AssertIdsAsync("Patient?_tag:not=vip", "m2", "m3");
        await AssertIdsAsync("Patient?_profile=http://example.org/StructureDefinition/p1", "m1");
        await AssertIdsAsync("Patient?_security=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R", "m1");
        await AssertIdsAsync("Patient?_source=http://source.example/b", "m2");
        await AssertIdsAsync("Patient?_text=diabetic", "m1");
        await AssertIdsAsync("Patient?_content=diabetic", "m1", "m2");
        await AssertIdsAsync("Patient?_content=gamma", "m3");
    }

    [Fact]
    public async Task LastUpdated_prefixes()
    {
        await PutAsync(Patient("lu1"));
        var first = (await (await Client.GetAsync("Patient/lu1")).ReadJsonAsync())["meta"]!["lastUpdated"]!.GetValue<string>();
        await Task.Delay(1100);
        await PutAsync(Patient("lu2"));
        var stamp = Uri.EscapeDataString(first);
        await AssertIdsAsync($"Patient?_lastUpdated=gt{stamp}", "lu2");
        await AssertIdsAsync($"Patient?_lastUpdated=le{stamp}", "lu1");
        await AssertIdsAsync($"Patient?_lastUpdated={stamp}", "lu1");
        var today = first[..10]; // the first write's own day: a run across midnight UTC would otherwise leave lu1 out
        await AssertIdsAsync($"Patient?_lastUpdated=ge{today}", "lu1", "lu2");
        await AssertIdsAsync("Patient?_lastUpdated=lt2000-01-01");
    }
}

using System.Net;

namespace FhirPortal.Server.Tests.Search;

/// <summary>More combinations: untyped chains, targeted includes, revinclude:iterate, system POST, links at the ends, bad cursors.</summary>
public sealed class MoreSearchTests : SearchTestBase
{
    private Task SeedAsync() => PutAsync(
        """{"resourceType":"Organization","id":"org1","name":"Acme"}""",
        """{"resourceType":"Practitioner","id":"pr1","name":[{"family":"Peterson"}]}""",
        Patient("p1", """ "name":[{"family":"Peterson","given":["Peter"]}],"active":true,"telecom":[{"system":"phone","value":"555-1234"}],"managingOrganization":{"reference":"Organization/org1"}"""),
        Patient("p2", """ "name":[{"family":"Jones"}],"active":false"""),
        Observation("o1", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Patient/p1"},"performer":[{"reference":"Practitioner/pr1"}]"""),
        Observation("o2", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Patient/p2"},"performer":[{"reference":"Patient/p1"}]"""),
        """{"resourceType":"DiagnosticReport","id":"dr1","status":"final","code":{"text":"panel"},"subject":{"reference":"Patient/p1"},"result":[{"reference":"Observation/o1"}]}""");

    [Fact]
    public async Task Untyped_chain_and_boolean_and_contactpoint_tokens()
    {
        await SeedAsync();
        // subject can point at several types that all have "name": the chain must name one (search.html#chaining).
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("Observation?subject.name=peter")).StatusCode);
        await AssertIdsAsync("Observation?patient.name=peter", "o1");
        await AssertIdsAsync("Observation?performer:Practitioner.family=peterson", "o1");
        await AssertIdsAsync("Observation?performer:Patient.family=peterson", "o2");
        await AssertIdsAsync("Patient?active=true", "p1");
        await AssertIdsAsync("Patient?active:not=true", "p2");
        await AssertIdsAsync("Patient?phone=555-1234", "p1");
        await AssertIdsAsync("Patient?telecom=555-1234", "p1");
        await AssertIdsAsync("Patient?organization=Organization/org1", "p1");
    }

    [Fact]
    public async Task Targeted_include_and_revinclude_iterate()
    {
        await SeedAsync();
        var bundle = await BundleAsync("Observation?_include=Observation:performer:Practitioner&_sort=_id");
        Assert.Equal(["o1", "o2"], MatchIds(bundle));
        Assert.Equal(["Practitioner/pr1"], TypedEntries(bundle, "include"));

        bundle = await BundleAsync("Patient?_id=p1&_revinclude=Observation:subject&_revinclude:iterate=DiagnosticReport:result");
        Assert.Equal(["Patient/p1"], TypedEntries(bundle, "match"));
        Assert.Equal(["DiagnosticReport/dr1", "Observation/o1"], TypedEntries(bundle, "include").Order());

        // A resource that is a match is not repeated as an include.
        bundle = await BundleAsync("Patient?_sort=_id&_include=Patient:organization&_revinclude=Observation:performer");
        Assert.Equal(["p1", "p2"], MatchIds(bundle));
        Assert.Equal(["Observation/o2", "Organization/org1"], TypedEntries(bundle, "include").Order());
    }

    [Fact]
    public async Task System_post_search_and_sorted_system_search()
    {
        await SeedAsync();
        var response = await Client.PostAsync("http://localhost/fhir/_search", new FormUrlEncodedContent([
            new("_type", "Patient,Practitioner"), new("name", "peterson")]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["Patient/p1", "Practitioner/pr1"], TypedEntries(await response.ReadJsonAsync(), "match").Order());
        var ids = await AllIdsAsync("http://localhost/fhir?_type=Patient,Practitioner&_sort=-_id&_count=1");
        Assert.Equal(["pr1", "p2", "p1"], ids);
    }

    [Fact]
    public async Task First_page_has_no_previous_and_last_page_has_no_next()
    {
        await SeedAsync();
        var first = await BundleAsync("Observation?_count=1&_sort=_id");
        Assert.Null(Link(first, "previous"));
        Assert.NotNull(Link(first, "next"));
        var second = await BundleAsync(Link(first, "next")!);
        Assert.Equal(["o2"], MatchIds(second));
        Assert.Null(Link(second, "next"));
        var back = await BundleAsync(Link(second, "previous")!);
        Assert.Equal(["o1"], MatchIds(back));
        Assert.Null(Link(back, "previous"));
    }

    [Fact]
    public async Task Malformed_values_are_400()
    {
        await SeedAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("Patient?_cursor=garbage")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("Patient?birthdate=notadate")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("RiskAssessment?probability=abc")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("Patient?_count=-1")).StatusCode);
    }

    [Fact]
    public async Task Escaped_separators_in_values()
    {
        await PutAsync(
            Patient("e1", """ "identifier":[{"system":"urn:x","value":"a|b"}]"""),
            Patient("e2", """ "identifier":[{"system":"urn:x","value":"a,b"}]"""),
            Patient("e3", """ "identifier":[{"system":"urn:x","value":"a"}]"""));
        await AssertIdsAsync("Patient?identifier=urn:x|a\\|b", "e1");
        await AssertIdsAsync("Patient?identifier=urn:x|a\\,b", "e2");
        await AssertIdsAsync("Patient?identifier=urn:x|a,urn:x|a\\,b", "e2", "e3");
    }
}

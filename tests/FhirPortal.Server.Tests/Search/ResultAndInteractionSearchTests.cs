using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Search;

/// <summary>_sort and paging (next and previous), totals, _summary=count, includes, system/compartment/POST search, strictness, conditional writes.</summary>
public sealed class ResultAndInteractionSearchTests : SearchTestBase
{
    private Task SeedSortAsync() => PutAsync(
        Patient("so1", """ "name":[{"family":"Adams"}],"birthDate":"1980-01-01" """),
        Patient("so2", """ "name":[{"family":"Baker"}],"birthDate":"1970-01-01" """),
        Patient("so3", """ "name":[{"family":"Baker"}],"birthDate":"1990-01-01" """),
        Patient("so4", """ "birthDate":"1985-01-01" """),
        Patient("so5", """ "name":[{"family":"Clark"}]"""));

    [Theory]
    [InlineData("family,-birthdate", "so1,so3,so2,so5,so4")]
    [InlineData("-family,birthdate", "so5,so2,so3,so1,so4")]
    [InlineData("birthdate", "so2,so1,so4,so3,so5")]
    [InlineData("-birthdate", "so3,so4,so1,so2,so5")]
    [InlineData("_id", "so1,so2,so3,so4,so5")]
    [InlineData("-_id", "so5,so4,so3,so2,so1")]
    public async Task Sort_pages_forward_by_next_and_back_by_previous(string sort, string expected)
    {
        await SeedSortAsync();
        var order = expected.Split(',');
        Assert.Equal(order, await AllIdsAsync($"Patient?_sort={sort}&_count=5"));

        // Forward with _count=2: pages [2, 2, 1].
        var (pages, last) = await PagesAsync($"Patient?_sort={sort}&_count=2");
        Assert.Equal(order, pages.SelectMany(p => p));
        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));

        // Back from the last page by previous links.
        var (back, _) = await PagesAsync(Link(last!, "previous"), "previous");
        Assert.Equal(pages.Take(pages.Count - 1).Reverse().Select(p => string.Join(",", p)), back.Select(p => string.Join(",", p)));
    }

    [Fact]
    public async Task Total_accurate_and_summary_count()
    {
        await SeedSortAsync();
        var bundle = await BundleAsync("Patient?_total=accurate&_count=2&birthdate=ge1980");
        Assert.Equal(3, bundle["total"]!.GetValue<int>());
        Assert.Equal(2, MatchIds(bundle).Count);
        var count = await BundleAsync("Patient?_summary=count&family=baker");
        Assert.Equal(2, count["total"]!.GetValue<int>());
        Assert.Empty(count["entry"]?.AsArray() ?? []);
    }

    private Task SeedIncludeAsync() => PutAsync(
        """{"resourceType":"Organization","id":"org1","name":"Acme"}""",
        """{"resourceType":"Practitioner","id":"pr1","name":[{"family":"Welby"}]}""",
        Patient("ip1", """ "name":[{"family":"Included"}],"managingOrganization":{"reference":"Organization/org1"}"""),
        Patient("ip2", """ "name":[{"family":"Other"}]"""),
        Observation("io1", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Patient/ip1"},"performer":[{"reference":"Practitioner/pr1"}]"""),
        Observation("io2", """ "code":{"coding":[{"system":"http://loinc.org","code":"1234-5"}]},"subject":{"reference":"Patient/ip2"}"""),
        Observation("io3", """ "code":{"coding":[{"system":"http://loinc.org","code":"9999-9"}]},"subject":{"reference":"Patient/ip1"}"""));

    [Fact]
    public async Task Include_iterate_and_revinclude_mark_search_modes()
    {
        await SeedIncludeAsync();
        var bundle = await BundleAsync("Observation?_id=io1&_include=Observation:subject");
        Assert.Equal(["Observation/io1"], TypedEntries(bundle, "match"));
        Assert.Equal(["Patient/ip1"], TypedEntries(bundle, "include"));

        bundle = await BundleAsync("Observation?_id=io1&_include=Observation:subject&_include=Observation:performer&_include:iterate=Patient:organization");
        Assert.Equal(["Observation/io1"], TypedEntries(bundle, "match"));
        Assert.Equal(["Organization/org1", "Patient/ip1", "Practitioner/pr1"], TypedEntries(bundle, "include").Order());

        bundle = await BundleAsync("Observation?_id=io1&_include=Observation:subject&_include=Patient:organization");
        Assert.Equal(["Patient/ip1"], TypedEntries(bundle, "include"));

        bundle = await BundleAsync("Patient?_id=ip1&_revinclude=Observation:subject");
        Assert.Equal(["Patient/ip1"], TypedEntries(bundle, "match"));
        Assert.Equal(["Observation/io1", "Observation/io3"], TypedEntries(bundle, "include").Order());
    }

    [Fact]
    public async Task System_search_over_several_types()
    {
        await SeedIncludeAsync();
        await PutAsync(Patient("ip3", """ "name":[{"family":"Welby"}]"""));
        var bundle = await BundleAsync("http://localhost/fhir?_type=Patient,Practitioner&name=welby");
        Assert.Equal(["Patient/ip3", "Practitioner/pr1"], TypedEntries(bundle, "match").Order());
        bundle = await BundleAsync("http://localhost/fhir?_type=Patient&name=welby");
        Assert.Equal(["Patient/ip3"], TypedEntries(bundle, "match"));
    }

    [Fact]
    public async Task Compartment_search_is_limited_to_the_patient()
    {
        await SeedIncludeAsync();
        await AssertIdsAsync("Patient/ip1/Observation?code=1234-5", "io1");
        await AssertIdsAsync("Patient/ip1/Observation", "io1", "io3");
        await AssertIdsAsync("Patient/ip2/Observation?code=9999-9");
    }

    [Fact]
    public async Task Post_search_with_form_body()
    {
        await SeedIncludeAsync();
        var response = await Client.PostAsync("Observation/_search", new FormUrlEncodedContent([
            new("code", "http://loinc.org|1234-5"), new("subject:Patient.name", "included")]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["io1"], MatchIds(await response.ReadJsonAsync()));
        response = await Client.PostAsync("Observation/_search?code=1234-5", new FormUrlEncodedContent([new("patient", "ip2")]));
        Assert.Equal(["io2"], MatchIds(await response.ReadJsonAsync()));
    }

    [Fact]
    public async Task Unknown_parameter_is_lenient_by_default_and_400_when_strict()
    {
        await SeedIncludeAsync();
        var bundle = await BundleAsync("Patient?family=included&frobnicate=1");
        Assert.Equal(["ip1"], MatchIds(bundle));
        var outcome = (bundle["entry"]!.AsArray()).Single(e => e!["search"]?["mode"]?.GetValue<string>() == "outcome");
        Assert.Equal("OperationOutcome", outcome!["resource"]!["resourceType"]!.GetValue<string>());
        var self = Link(bundle, "self")!;
        Assert.DoesNotContain("frobnicate", self);
        Assert.Contains("family=included", self);

        var strict = await Client.SendAsync(HttpMethod.Get, "Patient?family=included&frobnicate=1", null, ("Prefer", "handling=strict"));
        Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
        Assert.Equal("OperationOutcome", (await strict.ReadJsonAsync())["resourceType"]!.GetValue<string>());
        var strictOk = await Client.SendAsync(HttpMethod.Get, "Patient?family=included", null, ("Prefer", "handling=strict"));
        Assert.Equal(HttpStatusCode.OK, strictOk.StatusCode);
    }

    [Fact]
    public async Task Conditional_create_and_update_with_non_identifier_criteria()
    {
        await PutAsync(
            Patient("cx1", """ "name":[{"family":"Xavier"}],"birthDate":"1970-05-05" """),
            Patient("cx2", """ "name":[{"family":"Xavier"}],"birthDate":"1985-05-05" """));
        const string body = """{"resourceType":"Patient","name":[{"family":"Xavier"}],"birthDate":"1970-05-05","gender":"male"}""";

        var create = await Client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body(body), ("If-None-Exist", "family=xavier&birthdate=1970"));
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        await AssertIdsAsync("Patient?family=xavier", "cx1", "cx2");

        var created = await Client.SendAsync(HttpMethod.Post, "Patient", Fhir.Body(body.Replace("1970-05-05", "1990-05-05")), ("If-None-Exist", "family=xavier&birthdate=1990"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var update = await Client.PutAsync("Patient?family=xavier&birthdate=1970", Fhir.Body(body));
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal("cx1", (await update.ReadJsonAsync())["id"]!.GetValue<string>());
        await AssertIdsAsync("Patient?gender=male&birthdate=1970", "cx1");

        var ambiguous = await Client.PutAsync("Patient?family=xavier", Fhir.Body(body));
        Assert.Equal(HttpStatusCode.PreconditionFailed, ambiguous.StatusCode);
    }
}

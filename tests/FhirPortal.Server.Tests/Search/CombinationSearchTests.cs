namespace FhirPortal.Server.Tests.Search;

/// <summary>Modifiers inside chains, multi-coding :not, sorting by quantity/token/_lastUpdated, totals in compartments.</summary>
public sealed class CombinationSearchTests : SearchTestBase
{
    [Fact]
    public async Task Not_excludes_a_resource_when_any_coding_matches()
    {
        await PutAsync(
            Observation("n1", """ "code":{"coding":[{"system":"http://loinc.org","code":"A"},{"system":"http://snomed.info/sct","code":"B"}]}"""),
            Observation("n2", """ "code":{"coding":[{"system":"http://snomed.info/sct","code":"B"}]}"""),
            Observation("n3", """ "code":{"coding":[{"system":"http://loinc.org","code":"C"}]}"""));
        await AssertIdsAsync("Observation?code:not=A", "n2", "n3");
        await AssertIdsAsync("Observation?code:not=A,C", "n2");
        await AssertIdsAsync("Observation?code:not=A&code:not=C", "n2");
        await AssertIdsAsync("Observation?code=B&code:not=A", "n2");
    }

    [Fact]
    public async Task Modifiers_inside_chains_and_has()
    {
        await PutAsync(
            Patient("p1", """ "name":[{"family":"Müller"}],"birthDate":"1970-01-01" """),
            Patient("p2", """ "name":[{"family":"Muller"}]"""),
            Observation("o1", """ "code":{"coding":[{"system":"http://loinc.org","code":"X"}]},"subject":{"reference":"Patient/p1"}"""),
            Observation("o2", """ "code":{"coding":[{"system":"http://loinc.org","code":"Y"}]},"subject":{"reference":"Patient/p2"}"""));
        await AssertIdsAsync("Observation?subject:Patient.birthdate:missing=true", "o2");
        await AssertIdsAsync("Observation?subject:Patient.family:exact=Müller", "o1");
        await AssertIdsAsync("Observation?subject:Patient.birthdate=lt1980", "o1");
        await AssertIdsAsync("Patient?_has:Observation:patient:code:not=X", "p2");
        await AssertIdsAsync("Patient?_has:Observation:patient:code=X,Y&family:exact=Muller", "p2");
        await AssertIdsAsync("Patient?_has:Observation:patient:code=X&_has:Observation:patient:code=Y");
    }

    [Fact]
    public async Task Sort_by_quantity_token_and_lastUpdated()
    {
        static string Q(string id, string code, decimal value) =>
            Observation(id, $$""" "code":{"coding":[{"system":"http://loinc.org","code":"{{code}}"}]},"valueQuantity":{"value":{{value}},"system":"http://unitsofmeasure.org","code":"mg"}""");
        await PutAsync(Q("q1", "B", 5), Q("q2", "A", 50));
        await Task.Delay(20);
        await PutAsync(Q("q3", "C", 0.5m), Observation("q4", """ "code":{"coding":[{"system":"http://loinc.org","code":"A"}]}"""));
        Assert.Equal(["q3", "q1", "q2", "q4"], await AllIdsAsync("Observation?_sort=value-quantity&_count=3"));
        Assert.Equal(["q2", "q1", "q3", "q4"], await AllIdsAsync("Observation?_sort=-value-quantity&_count=3"));
        Assert.Equal(["q2", "q4", "q1", "q3"], await AllIdsAsync("Observation?_sort=code,_id&_count=3"));
        Assert.Equal(["q4", "q2", "q1", "q3"], await AllIdsAsync("Observation?_sort=code,-_id&_count=1"));
        var byUpdated = await AllIdsAsync("Observation?_sort=-_lastUpdated&_count=2");
        Assert.Equal(["q1", "q2"], byUpdated.Skip(2).Order());
        Assert.Equal(["q3", "q4"], byUpdated.Take(2).Order());
    }

    [Fact]
    public async Task Totals_in_compartment_and_system_searches()
    {
        await PutAsync(Patient("p1"), Patient("p2"),
            Observation("o1", """ "code":{"text":"x"},"subject":{"reference":"Patient/p1"}"""),
            Observation("o2", """ "code":{"text":"x"},"subject":{"reference":"Patient/p1"}"""),
            Observation("o3", """ "code":{"text":"x"},"subject":{"reference":"Patient/p2"}"""));
        var bundle = await BundleAsync("Patient/p1/Observation?_total=accurate&_count=1");
        Assert.Equal(2, bundle["total"]!.GetValue<int>());
        Assert.Equal(["o1", "o2"], (await AllIdsAsync("Patient/p1/Observation?_count=1&_sort=_id")));
        bundle = await BundleAsync("http://localhost/fhir?_type=Patient,Observation&_summary=count");
        Assert.Equal(5, bundle["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task String_address_and_name_parts()
    {
        await PutAsync(
            Patient("a1", """ "name":[{"text":"Dr. José Álvarez","family":"Álvarez","given":["José"],"prefix":["Dr."]}],"address":[{"line":["1 Main St"],"city":"São Paulo","postalCode":"01000","country":"Brasil"}]"""),
            Patient("a2", """ "address":[{"line":["2 Main St"],"city":"Paulista","state":"SP"}]"""));
        await AssertIdsAsync("Patient?name=jose", "a1");
        await AssertIdsAsync("Patient?name=alvarez", "a1");
        await AssertIdsAsync("Patient?address=sao", "a1");
        await AssertIdsAsync("Patient?address=1%20main", "a1");
        await AssertIdsAsync("Patient?address:contains=main", "a1", "a2");
        await AssertIdsAsync("Patient?address:contains=paul", "a1", "a2");
        await AssertIdsAsync("Patient?address-postalcode=01000", "a1");
        await AssertIdsAsync("Patient?address-state=sp", "a2");
        await AssertIdsAsync("Patient?address-country=bra", "a1");
    }
}

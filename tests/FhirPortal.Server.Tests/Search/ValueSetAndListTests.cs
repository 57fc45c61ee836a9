using System.Net;

namespace FhirPortal.Server.Tests.Search;

public sealed class ValueSetAndListTests : IDisposable
{
    private readonly FhirPortalHost _host = new();
    private readonly HttpClient _client;

    public ValueSetAndListTests() => _client = _host.CreateFhirClient();

    public void Dispose() => _host.Dispose();

    private async Task<List<string>> IdsAsync(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var bundle = await response.ReadJsonAsync();
        var entries = bundle["entry"]?.AsArray() ?? [];
        Assert.DoesNotContain(entries, e => (string?)e!["search"]?["mode"] == "outcome");
        return entries.Select(e => (string)e!["resource"]!["id"]!).Order().ToList();
    }

    private async Task SeedAsync()
    {
        foreach (var (id, system, code) in new[]
                 {
                     ("glucose", "http://loinc.org", "2339-0"), ("hba1c", "http://loinc.org", "4548-4"),
                     ("weight", "http://loinc.org", "29463-7"), ("local", "http://example.org/codes", "a1"),
                 })
        {
            await _client.PutAsync($"Observation/{id}", Fhir.Body($$$"""
                {"resourceType":"Observation","id":"{{{id}}}","status":"final","code":{"coding":[{"system":"{{{system}}}","code":"{{{code}}}"}]}}
                """));
        }
        await _client.PutAsync("CodeSystem/local", Fhir.Body("""
            {"resourceType":"CodeSystem","id":"local","url":"http://example.org/codes","status":"active","content":"complete",
             "concept":[{"code":"a","concept":[{"code":"a1"}]},{"code":"b"}]}
            """));
        await _client.PutAsync("ValueSet/diabetes", Fhir.Body("""
            {"resourceType":"ValueSet","id":"diabetes","url":"http://example.org/ValueSet/diabetes-labs","status":"active",
             "compose":{"include":[{"system":"http://loinc.org","concept":[{"code":"2339-0"},{"code":"4548-4"}]}],
                        "exclude":[{"system":"http://loinc.org","concept":[{"code":"2339-0"}]}]}}
            """));
        await _client.PutAsync("ValueSet/all", Fhir.Body("""
            {"resourceType":"ValueSet","id":"all","url":"http://example.org/ValueSet/all","status":"active",
             "compose":{"include":[{"system":"http://example.org/codes"},{"valueSet":["http://example.org/ValueSet/diabetes-labs"]}]}}
            """));
    }

    [Fact]
    public async Task In_and_not_in_expand_stored_value_sets()
    {
        await SeedAsync();
        Assert.Equal(["hba1c"], await IdsAsync("Observation?code:in=http://example.org/ValueSet/diabetes-labs"));
        Assert.Equal(["hba1c"], await IdsAsync("Observation?code:in=ValueSet/diabetes"));
        Assert.Equal(["glucose", "local", "weight"], await IdsAsync("Observation?code:not-in=http://example.org/ValueSet/diabetes-labs"));
        Assert.Equal(["hba1c", "local"], await IdsAsync("Observation?code:in=http://example.org/ValueSet/all"));
    }

    [Fact]
    public async Task An_unknown_value_set_is_a_400()
    {
        var response = await _client.GetAsync("Observation?code:in=http://example.org/ValueSet/none");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    [Fact]
    public async Task List_selects_the_items_of_a_list()
    {
        await SeedAsync();
        await _client.PutAsync("List/favourites", Fhir.Body("""
            {"resourceType":"List","id":"favourites","status":"current","mode":"working",
             "entry":[{"item":{"reference":"Observation/weight"}},{"item":{"reference":"Observation/local"}},{"item":{"reference":"Patient/weight"}}]}
            """));
        Assert.Equal(["local", "weight"], await IdsAsync("Observation?_list=favourites"));
        Assert.Equal(["weight"], await IdsAsync("Observation?_list=favourites&code=29463-7"));
        Assert.Empty(await IdsAsync("Observation?_list=missing"));
    }
}

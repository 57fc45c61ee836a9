using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Terminology;

/// <summary>
/// One server for the terminology tests, with this checkout's profiles/ (its ValueSets and CodeSystems) and a few
/// stored terminology resources: a hierarchical CodeSystem with properties, a ValueSet over it, and a ConceptMap.
/// </summary>
public sealed class TerminologyHost : IAsyncLifetime
{
    public FhirPortalHost Host { get; } = new(settings: new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = ValidationHosts.ProfilesDirectory });
    public HttpClient Client { get; private set; } = null!;

    public const string Colors = "http://example.org/CodeSystem/colors";

    public async Task InitializeAsync()
    {
        Client = Host.CreateFhirClient();
        await PutAsync("""
            {"resourceType":"CodeSystem","id":"colors","url":"http://example.org/CodeSystem/colors","version":"2","name":"Colors",
             "status":"active","content":"complete","hierarchyMeaning":"is-a",
             "property":[{"code":"hex","type":"string"}],
             "concept":[
               {"code":"warm","display":"Warm colour","concept":[
                 {"code":"red","display":"Red","designation":[{"language":"de","value":"Rot"}],"property":[{"code":"hex","valueString":"#ff0000"}],
                  "concept":[{"code":"crimson","display":"Crimson"}]},
                 {"code":"orange","display":"Orange"}]},
               {"code":"cool","display":"Cool colour","concept":[{"code":"blue","display":"Blue"}]}]}
            """);
        await PutAsync("""
            {"resourceType":"ValueSet","id":"warm","url":"http://example.org/ValueSet/warm","status":"active",
             "compose":{"include":[{"system":"http://example.org/CodeSystem/colors","filter":[{"property":"concept","op":"is-a","value":"warm"}]}]}}
            """);
        await PutAsync("""
            {"resourceType":"ConceptMap","id":"colors-to-traffic","url":"http://example.org/ConceptMap/colors-to-traffic","status":"active",
             "group":[{"source":"http://example.org/CodeSystem/colors","target":"http://example.org/CodeSystem/traffic",
               "element":[{"code":"red","target":[{"code":"stop","display":"Stop","equivalence":"equivalent"}]},
                          {"code":"orange","target":[{"code":"caution","equivalence":"wider"}]},
                          {"code":"blue","target":[{"equivalence":"unmatched"}]}]}]}
            """);
    }

    public Task DisposeAsync()
    {
        Host.Dispose();
        return Task.CompletedTask;
    }

    private async Task PutAsync(string json)
    {
        var node = JsonNode.Parse(json)!;
        var url = $"{node["resourceType"]}/{node["id"]}";
        var response = await Client.PutAsync(url, Fhir.Body(json));
        Assert.True(response.IsSuccessStatusCode, $"PUT {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>GET or POST (a Parameters body) and the answer's status and JSON.</summary>
    public async Task<(HttpStatusCode Status, JsonNode Body)> CallAsync(string url, string? parameters = null)
    {
        var response = parameters is null ? await Client.GetAsync(url) : await Client.PostAsync(url, Fhir.Body(parameters));
        return (response.StatusCode, await response.ReadJsonAsync());
    }
}

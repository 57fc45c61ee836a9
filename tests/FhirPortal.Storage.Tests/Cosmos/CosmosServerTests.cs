using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>The whole server over HTTP with <c>Storage:Provider=Cosmos</c> on the emulator.</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosServerTests(CosmosEmulator emulator)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/fhir+json");

    private static async Task<JsonNode> BodyAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [SkippableFact]
    public async Task Server_on_Cosmos_creates_reads_updates_lists_history_and_searches()
    {
        emulator.SkipUnlessRunning();
        var data = Path.Combine(Path.GetTempPath(), "fhirportal-cosmos-host", Guid.NewGuid().ToString("N"));
        var cosmos = emulator.NewContainer();
        using var host = new ServerHost(data, cosmos);
        var client = host.FhirClient();
        try
        {
            var created = await client.PostAsync("Patient", Json("""{"resourceType":"Patient","name":[{"family":"Cosmopoulos"}],"identifier":[{"system":"urn:e2e","value":"42"}]}"""));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (string)(await BodyAsync(created))["id"]!;
            Assert.Equal("W/\"1\"", created.Headers.ETag?.ToString());

            var read = await client.GetAsync($"Patient/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal("Cosmopoulos", (string)(await BodyAsync(read))["name"]![0]!["family"]!);

            var update = new HttpRequestMessage(HttpMethod.Put, $"Patient/{id}")
            {
                Content = Json($$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"Cosmopoulou"}],"identifier":[{"system":"urn:e2e","value":"42"}]}"""),
            };
            update.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(update)).StatusCode);
            var stale = new HttpRequestMessage(HttpMethod.Put, $"Patient/{id}") { Content = Json($$"""{"resourceType":"Patient","id":"{{id}}"}""") };
            stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));
            Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(stale)).StatusCode);

            var history = await BodyAsync(await client.GetAsync($"Patient/{id}/_history"));
            Assert.Equal(["2", "1"], history["entry"]!.AsArray().Select(e => (string)e!["resource"]!["meta"]!["versionId"]!));
            Assert.Equal("Cosmopoulos", (string)(await BodyAsync(await client.GetAsync($"Patient/{id}/_history/1")))["name"]![0]!["family"]!);

            var observation = await client.PostAsync("Observation", Json($$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/{{{id}}}"}}"""));
            Assert.Equal(HttpStatusCode.Created, observation.StatusCode);

            var byName = await BodyAsync(await client.GetAsync("Patient?family=cosmopoulou&_total=accurate"));
            Assert.Equal(1, (int)byName["total"]!);
            Assert.Equal(id, (string)byName["entry"]![0]!["resource"]!["id"]!);
            Assert.Empty((await BodyAsync(await client.GetAsync("Patient?family=cosmopoulos:exact")))["entry"]?.AsArray() ?? []);
            var inCompartment = await BodyAsync(await client.GetAsync($"Patient/{id}/Observation?code=http://loinc.org|8867-4"));
            Assert.Single(inCompartment["entry"]!.AsArray());

            // A transaction Bundle across partitions, with a conditional create: all of it commits, twice the same
            // conditional create finds the first Practitioner instead of making another.
            var bundle = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                  {"fullUrl":"urn:uuid:6a1e9c4e-4a4f-4c8e-9d6e-000000000001","resource":{"resourceType":"Patient","name":[{"family":"Bundled"}]},
                   "request":{"method":"POST","url":"Patient"}},
                  {"fullUrl":"urn:uuid:6a1e9c4e-4a4f-4c8e-9d6e-000000000002","resource":{"resourceType":"Practitioner","identifier":[{"system":"urn:npi","value":"777"}]},
                   "request":{"method":"POST","url":"Practitioner","ifNoneExist":"identifier=urn:npi|777"}},
                  {"resource":{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},
                   "subject":{"reference":"urn:uuid:6a1e9c4e-4a4f-4c8e-9d6e-000000000001"},
                   "participant":[{"individual":{"reference":"urn:uuid:6a1e9c4e-4a4f-4c8e-9d6e-000000000002"}}]},
                   "request":{"method":"POST","url":"Encounter"}}]}
                """;
            for (var round = 0; round < 2; round++)
            {
                var posted = await client.PostAsync("", Json(bundle));
                Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
                var statuses = (await BodyAsync(posted))["entry"]!.AsArray().Select(e => (string)e!["response"]!["status"]!).ToList();
                Assert.Equal(["201 Created", round == 0 ? "201 Created" : "200 OK", "201 Created"], statuses);
            }
            var practitioners = await BodyAsync(await client.GetAsync("Practitioner?identifier=urn:npi|777&_total=accurate"));
            Assert.Equal(1, (int)practitioners["total"]!);
            var encounters = await BodyAsync(await client.GetAsync("Encounter?_total=accurate"));
            Assert.Equal(2, (int)encounters["total"]!);

            var chained = await BodyAsync(await client.GetAsync("Observation?subject:Patient.name=cosmo&_include=Observation:subject"));
            Assert.Equal(["Observation", "Patient"], chained["entry"]!.AsArray().Select(e => (string)e!["resource"]!["resourceType"]!));
        }
        finally
        {
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }
}

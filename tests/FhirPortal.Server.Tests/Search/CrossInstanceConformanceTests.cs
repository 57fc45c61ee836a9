using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.Core;
using FhirPortal.Search;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Search;

/// <summary>
/// Two instances on one store (two hosts on one data folder): a SearchParameter or ValueSet written through one takes
/// effect on the other within the stated bound (poll interval 2 s; asserted under 15 s, since a loaded CI machine
/// stretches each poll and each check), without a restart.
/// </summary>
public sealed class CrossInstanceConformanceTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly FhirPortalHost _a = new() { KeepData = true };
    private readonly FhirPortalHost _b;

    public CrossInstanceConformanceTests() => _b = new FhirPortalHost(_a.DataDirectory);

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
        FhirPortalHost.TryDelete(_a.DataDirectory);
    }

    private const string Nickname = """
        {"resourceType":"SearchParameter","id":"patient-nickname","url":"http://example.org/SearchParameter/patient-nickname",
         "name":"Nickname","status":"active","description":"A given name","code":"nickname","base":["Patient"],"type":"string",
         "expression":"Patient.name.given"}
        """;

    [Fact]
    public async Task A_search_parameter_created_on_one_instance_is_searchable_on_the_other_and_its_deletion_too()
    {
        var (a, b) = (_a.CreateFhirClient(), _b.CreateFhirClient());
        Assert.Equal(HttpStatusCode.BadRequest, await StrictSearchAsync(b)); // unknown on B so far

        Assert.Equal(HttpStatusCode.Created, (await a.PutAsync("SearchParameter/patient-nickname", Fhir.Body(Nickname))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await a.PutAsync("Patient/bob", Fhir.Body("""{"resourceType":"Patient","id":"bob","name":[{"given":["Bobby"]}]}"""))).StatusCode);
        await WithinBoundAsync(async () => await StrictSearchAsync(b) == HttpStatusCode.OK);
        var bundle = await (await b.GetAsync("Patient?nickname=bob")).ReadJsonAsync();
        Assert.Equal("bob", (string?)bundle["entry"]![0]!["resource"]!["id"]);

        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync("SearchParameter/patient-nickname")).StatusCode);
        await WithinBoundAsync(async () => await StrictSearchAsync(b) == HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_value_set_created_on_one_instance_is_expanded_on_the_other()
    {
        var (a, b) = (_a.CreateFhirClient(), _b.CreateFhirClient());
        const string url = "http://example.org/ValueSet/colours";
        Assert.NotEqual(HttpStatusCode.OK, (await b.GetAsync($"ValueSet/$expand?url={url}")).StatusCode);

        var valueSet = new JsonObject
        {
            ["resourceType"] = "ValueSet", ["id"] = "colours", ["url"] = url, ["status"] = "active",
            ["compose"] = new JsonObject { ["include"] = new JsonArray(new JsonObject
            {
                ["system"] = "http://example.org/colours",
                ["concept"] = new JsonArray(new JsonObject { ["code"] = "red" }, new JsonObject { ["code"] = "blue" }),
            }) },
        };
        Assert.Equal(HttpStatusCode.Created, (await a.PutAsync("ValueSet/colours", Fhir.Body(valueSet.ToJsonString()))).StatusCode);
        await WithinBoundAsync(async () => (await b.GetAsync($"ValueSet/$expand?url={url}")).StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_version_this_instance_cannot_apply_does_not_hold_back_the_rest_of_its_poll()
    {
        // Polled by hand, so the unusable version and the good one are sure to arrive in the same poll.
        using var manual = new FhirPortalHost(_a.DataDirectory, new Dictionary<string, string?> { ["FhirPortal:ConformancePollInterval"] = "00:00:00" });
        var (a, m) = (_a.CreateFhirClient(), manual.CreateFhirClient());
        var changes = manual.Services.GetRequiredService<ConformanceChanges>();

        // Stored as another instance (say, a newer release) accepted it; this one cannot index a special parameter.
        const string unusable = """
            {"resourceType":"SearchParameter","id":"unusable","url":"http://example.org/SearchParameter/unusable","name":"Unusable",
             "status":"active","description":"x","code":"unusable","base":["Patient"],"type":"special","expression":"Patient.name"}
            """;
        var version = new StoredResource(new ResourceKey("SearchParameter", "unusable"), 1, DateTimeOffset.UtcNow, WriteMethod.Create, Encoding.UTF8.GetBytes(unusable));
        await _a.Services.GetRequiredService<IResourceStore>().CommitAsync(new WriteBatch([new ResourceWrite(version, new ResourceIndex())], []), default);
        Assert.Equal(HttpStatusCode.Created, (await a.PutAsync("SearchParameter/patient-nickname", Fhir.Body(Nickname))).StatusCode);

        Assert.Equal(1, await changes.PollAsync(default));
        Assert.Equal(HttpStatusCode.OK, await StrictSearchAsync(m));
        Assert.Equal(0, await changes.PollAsync(default)); // the unusable one is retried quietly, never counted as applied
    }

    private static async Task<HttpStatusCode> StrictSearchAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "Patient?nickname=bob");
        request.Headers.Add("Prefer", "handling=strict");
        return (await client.SendAsync(request)).StatusCode;
    }

    private static async Task WithinBoundAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < Bound, $"not in effect on the other instance after {watch.Elapsed}");
            await Task.Delay(100);
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace FhirPortal.ScaleOut.Tests;

/// <summary>
/// Issue 26's scale-out checks through nginx's https URL: a sign-in whose forms are posted to the other instance
/// succeeds (shared Data Protection keys), a token from instance A works and refreshes on B, an export started on A is
/// polled and downloaded through B and finishes on B when A dies, a SearchParameter created on A indexes and finds on
/// both a Patient written on B, racing If-Match updates on both give one winner, and every URL the servers hand out
/// is the proxy's. Traffic that is not about one instance goes through the round-robin port.
/// </summary>
[Trait("Requires", "ScaleOut")]
public sealed class ScaleOutTests(ScaleOutCluster cluster, ITestOutputHelper output) : IClassFixture<ScaleOutCluster>, IDisposable
{
    private readonly List<HttpClient> _clients = [];
    private const int Observations = 300;
    private static readonly TimeSpan ExportBound = TimeSpan.FromMinutes(3);

    /// <summary>
    /// How long a SearchParameter written on one instance may take to be used by the other: the README's bound
    /// (FhirPortal:ConformancePollInterval, 2 s, plus one store query) with room for a heavily loaded test machine.
    /// </summary>
    private static readonly TimeSpan SearchParameterBound = TimeSpan.FromSeconds(30);

    private Uri Public => cluster.Proxy.PublicUrl;

    [SkippableFact]
    public async Task A_token_from_a_sign_in_on_A_is_used_and_refreshed_on_B()
    {
        var token = await SignInOnAAsync();
        using (var b = cluster.Client(cluster.Proxy.ThroughB, (string)token["access_token"]!))
            await ExpectAsync(await b.GetAsync("fhir/Patient?_count=1"), HttpStatusCode.OK, "the token from A used on B");

        using var app = cluster.Client(cluster.Proxy.ThroughB);
        var refreshed = await SmartSignIn.RefreshAsync(app, (string)token["refresh_token"]!);
        foreach (var instance in new[] { cluster.Proxy.ThroughA, cluster.Proxy.ThroughB })
        {
            using var client = cluster.Client(instance, (string)refreshed["access_token"]!);
            await ExpectAsync(await client.GetAsync("fhir/Patient?_count=1"), HttpStatusCode.OK, $"the token refreshed on B used through {instance}");
        }
    }

    [SkippableFact]
    public async Task A_sign_in_whose_pages_come_from_A_and_whose_forms_are_posted_to_B_succeeds()
    {
        cluster.Require();
        // One browser (one cookie jar): the login and consent pages with their antiforgery tokens and cookies come
        // from A, the forms go to B, the code is exchanged on A: all of it needs the instances' shared keys.
        var jar = new CookieContainer();
        using var pages = cluster.Client(cluster.Proxy.ThroughA, jar: jar);
        using var forms = cluster.Client(cluster.Proxy.ThroughB, jar: jar);
        var token = await SmartSignIn.AuthorizeAsync(pages, forms, new Uri(Public, "fhir"));

        using var both = cluster.Client(Public, (string)token["access_token"]!);
        await ExpectAsync(await both.GetAsync("fhir/Patient?_count=1"), HttpStatusCode.OK, "the token from the crossed sign-in");
    }

    [SkippableFact]
    public async Task Links_Location_the_issuer_and_iss_carry_the_proxy_https_url()
    {
        var (a, b) = await ClientsAsync();
        var publicBase = Public.ToString().TrimEnd('/');
        // One Patient created through each instance first, so each search below has a next page.
        var family = "Proxy" + Guid.NewGuid().ToString("N")[..8];
        foreach (var client in new[] { a, b })
        {
            using var created = await client.PostAsync("fhir/Patient", Fhir($$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}]}"""));
            await ExpectAsync(created, HttpStatusCode.Created, $"create through {client.BaseAddress}");
            Assert.StartsWith(publicBase + "/fhir/Patient/", created.Headers.Location!.ToString());
        }
        foreach (var client in new[] { a, b })
        {
            Assert.Equal(publicBase, ((string)SmartSignIn.Claims(client.DefaultRequestHeaders.Authorization!.Parameter!)["iss"]!).TrimEnd('/'));
            var smart = await JsonAsync(await client.GetAsync("fhir/.well-known/smart-configuration"), HttpStatusCode.OK);
            Assert.Equal(publicBase, ((string)smart["issuer"]!).TrimEnd('/'));
            Assert.StartsWith(publicBase + "/", (string)smart["token_endpoint"]!);
            Assert.StartsWith(publicBase + "/", (string)smart["authorization_endpoint"]!);

            var bundle = await JsonAsync(await client.GetAsync($"fhir/Patient?family={family}&_count=1"), HttpStatusCode.OK);
            Assert.Contains(bundle["link"]!.AsArray(), l => (string)l!["relation"]! == "next");
            var urls = bundle["link"]!.AsArray().Select(l => (string)l!["url"]!)
                .Concat(bundle["entry"]!.AsArray().Select(e => (string)e!["fullUrl"]!)).ToList();
            Assert.All(urls, url => Assert.StartsWith(publicBase + "/fhir/", url));
        }
    }

    [SkippableFact]
    public async Task An_export_started_on_A_is_polled_and_downloaded_through_B()
    {
        var (a, b) = await ClientsAsync();
        await EnsureObservationsAsync(RoundRobin(a));

        var status = await KickOffAsync(a);
        var manifest = await WaitForManifestAsync(b, status, ExportBound);
        await ExpectExportedAsync(b, manifest);
    }

    [SkippableFact]
    public async Task An_export_whose_instance_is_killed_midway_finishes_on_B()
    {
        var (a, b) = await ClientsAsync();
        using var proxy = cluster.Client(Public, b.DefaultRequestHeaders.Authorization!.Parameter);
        await EnsureObservationsAsync(proxy);
        var status = await KickOffAsync(a);

        try
        {
            // Killed once A has written part of the job, never before it started or after it finished.
            var clock = Stopwatch.StartNew();
            while (true)
            {
                using var poll = await b.GetAsync(status);
                Assert.True(poll.StatusCode == HttpStatusCode.Accepted, $"the export finished before A could be killed ({(int)poll.StatusCode}); make it larger");
                var progress = poll.Headers.TryGetValues("X-Progress", out var values) ? values.First() : "";
                if (int.TryParse(progress.Split(' ')[0], out var exported) && exported > 0) break;
                Assert.True(clock.Elapsed < ExportBound, $"the export on A made no progress in {ExportBound}: {progress}\n{cluster.ServerOutput}");
                await Task.Delay(50);
            }
            await cluster.A.KillAsync();
            output.WriteLine($"A killed {clock.Elapsed.TotalSeconds:F1} s after the kick-off was polled");
            using (var afterKill = await b.GetAsync(status))
                Assert.Equal(HttpStatusCode.Accepted, afterKill.StatusCode);

            // Through the proxy, which now reaches B only.
            var manifest = await WaitForManifestAsync(proxy, status, ExportBound);
            await ExpectExportedAsync(proxy, manifest);
        }
        finally
        {
            if (!cluster.A.Running) await cluster.A.StartAsync(TimeSpan.FromMinutes(4));
        }
    }

    [SkippableFact]
    public async Task A_SearchParameter_created_on_A_indexes_a_Patient_written_on_B_and_finds_it_on_both()
    {
        var (a, b) = await ClientsAsync();
        var code = "nick" + Guid.NewGuid().ToString("N")[..8];
        var nickname = "Zed" + Guid.NewGuid().ToString("N")[..8];
        await ExpectAsync(await a.PostAsync("fhir/SearchParameter", Fhir($$"""
            {"resourceType":"SearchParameter","url":"https://scaleout.test/SearchParameter/{{code}}","name":"{{code}}","status":"active",
             "description":"Nicknames","code":"{{code}}","base":["Patient"],"type":"string","expression":"Patient.name.where(use='nickname').given"}
            """)), HttpStatusCode.Created, "SearchParameter on A");

        // Strict handling: B answers 400 for a parameter it does not know yet, instead of ignoring it.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await StrictSearchAsync(b, $"fhir/Patient?{code}={nickname}");
            if (response.StatusCode == HttpStatusCode.OK) break;
            Assert.True(clock.Elapsed < SearchParameterBound,
                $"B did not know the SearchParameter within {SearchParameterBound}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(500);
        }
        output.WriteLine($"B knew the SearchParameter {clock.Elapsed.TotalSeconds:F1} s after A created it");

        // Written on B as soon as B knows the parameter: B indexes it, and both instances find it by it.
        using var patient = await b.PostAsync("fhir/Patient", Fhir($$"""{"resourceType":"Patient","name":[{"use":"nickname","given":["{{nickname}}"]}]}"""));
        var id = (string)(await JsonAsync(patient, HttpStatusCode.Created))["id"]!;
        foreach (var client in new[] { b, a })
        {
            var bundle = await JsonAsync(await StrictSearchAsync(client, $"fhir/Patient?{code}={nickname}"), HttpStatusCode.OK);
            var ids = bundle["entry"]?.AsArray().Select(e => (string)e!["resource"]!["id"]!).ToList() ?? [];
            Assert.True(ids.SequenceEqual([id]), $"search through {client.BaseAddress}: expected [{id}], got [{string.Join(",", ids)}]");
        }
    }

    private static Task<HttpResponseMessage> StrictSearchAsync(HttpClient client, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "handling=strict");
        return client.SendAsync(request);
    }

    [SkippableFact]
    public async Task Twenty_If_Match_updates_racing_across_both_instances_give_one_winner()
    {
        var (a, b) = await ClientsAsync();
        using var created = await RoundRobin(a).PostAsync("fhir/Patient", Fhir("""{"resourceType":"Patient","name":[{"family":"Race"}]}"""));
        var id = (string)(await JsonAsync(created, HttpStatusCode.Created))["id"]!;

        using var start = new SemaphoreSlim(0);
        var racers = Enumerable.Range(0, 20).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"fhir/Patient/{id}")
            {
                Content = Fhir($$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"Racer{{i}}"}]}"""),
            };
            request.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
            await start.WaitAsync();
            using var response = await (i % 2 == 0 ? a : b).SendAsync(request);
            return (Racer: i, Status: response.StatusCode);
        }).ToList();
        start.Release(racers.Count);
        var results = await Task.WhenAll(racers);

        var winner = Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Racer != winner.Racer), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.Status));
        var current = await JsonAsync(await b.GetAsync($"fhir/Patient/{id}"), HttpStatusCode.OK);
        Assert.Equal("2", (string)current["meta"]!["versionId"]!);
        Assert.Equal($"Racer{winner.Racer}", (string)current["name"]![0]!["family"]!);
    }

    private Task<JsonObject> SignInOnAAsync()
    {
        cluster.Require();
        return SignInAsync(cluster.Proxy.ThroughA);
    }

    private async Task<JsonObject> SignInAsync(Uri instance)
    {
        cluster.Require();
        using var browser = cluster.Client(instance, cookies: true);
        return await SmartSignIn.AuthorizeAsync(browser, new Uri(Public, "fhir"));
    }

    /// <summary>
    /// Clients for A and B, each with a token from a sign-in on that instance, so the other checks do not depend on
    /// shared token keys (the first test checks those). Disposed with the test class.
    /// </summary>
    private async Task<(HttpClient A, HttpClient B)> ClientsAsync()
    {
        cluster.Require(); // before cluster.Proxy is read: a skip or the start failure, not a NullReferenceException
        var a = cluster.Client(cluster.Proxy.ThroughA, (string)(await SignInAsync(cluster.Proxy.ThroughA))["access_token"]!);
        var b = cluster.Client(cluster.Proxy.ThroughB, (string)(await SignInAsync(cluster.Proxy.ThroughB))["access_token"]!);
        _clients.AddRange([a, b]);
        return (a, b);
    }

    /// <summary>A client for the round-robin port with <paramref name="like"/>'s token (disposed with the test class).</summary>
    private HttpClient RoundRobin(HttpClient like)
    {
        var client = cluster.Client(Public, like.DefaultRequestHeaders.Authorization!.Parameter);
        _clients.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (var client in _clients) client.Dispose();
    }

    /// <summary>Makes sure the store holds <see cref="Observations"/> Observations (one transaction), so an export has many pages.</summary>
    private static async Task EnsureObservationsAsync(HttpClient client)
    {
        var count = (int)(await JsonAsync(await client.GetAsync("fhir/Observation?_summary=count"), HttpStatusCode.OK))["total"]!;
        if (count >= Observations) return;
        var entries = Enumerable.Range(count, Observations - count).Select(i =>
            $$$"""{"resource":{"resourceType":"Observation","status":"final","code":{"text":"step {{{i}}}"}},"request":{"method":"POST","url":"Observation"}}""");
        var bundle = $$"""{"resourceType":"Bundle","type":"transaction","entry":[{{string.Join(',', entries)}}]}""";
        await ExpectAsync(await client.PostAsync("fhir", Fhir(bundle)), HttpStatusCode.OK, "the Observations");
    }

    /// <summary>Kicks off an Observation export; returns its status URL's path (Content-Location, checked to be the proxy's).</summary>
    private async Task<string> KickOffAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "fhir/$export?_type=Observation");
        request.Headers.Add("Prefer", "respond-async");
        using var response = await client.SendAsync(request);
        await ExpectAsync(response, HttpStatusCode.Accepted, "$export kick-off");
        var location = response.Content.Headers.ContentLocation ?? throw new InvalidOperationException("no Content-Location");
        Assert.StartsWith(Public + "fhir/$export-status/", location.ToString());
        return location.PathAndQuery;
    }

    private async Task<JsonObject> WaitForManifestAsync(HttpClient client, string status, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync(status);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                output.WriteLine($"export finished {clock.Elapsed.TotalSeconds:F1} s after polling started through {client.BaseAddress}");
                return await JsonAsync(response, HttpStatusCode.OK);
            }
            Assert.True(clock.Elapsed < bound,
                $"the export did not finish within {bound} ({string.Join(",", response.Headers.GetValues("X-Progress"))})\n{cluster.ServerOutput}");
            await Task.Delay(500);
        }
    }

    /// <summary>Downloads every file of the manifest (URLs checked to be the proxy's): each Observation exactly once.</summary>
    private async Task ExpectExportedAsync(HttpClient client, JsonObject manifest)
    {
        var ids = new List<string>();
        foreach (var file in manifest["output"]!.AsArray())
        {
            var url = (string)file!["url"]!;
            Assert.StartsWith(Public + "fhir/$export-status/", url);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url).PathAndQuery);
            request.Headers.Accept.Clear();
            request.Headers.Accept.ParseAdd("application/fhir+ndjson");
            using var response = await client.SendAsync(request);
            await ExpectAsync(response, HttpStatusCode.OK, "download " + url);
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            ids.AddRange(lines.Select(l => (string)JsonNode.Parse(l)!["id"]!));
        }
        Assert.Equal(Observations, ids.Count);
        Assert.Equal(Observations, ids.Distinct().Count());
    }

    private static StringContent Fhir(string json) => new(json, Encoding.UTF8, "application/fhir+json");

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: expected {expected}, got {(int)response.StatusCode} {body}");
            return JsonNode.Parse(body)!.AsObject();
        }
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
            Assert.Fail($"{what}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

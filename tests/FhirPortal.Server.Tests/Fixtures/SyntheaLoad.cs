using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FhirPortal.Server.Tests.Fixtures;

/// <summary>
/// One server loaded with ../shared/fixtures/synthea in the required order: the hospital batch, the practitioner
/// batch, then every patient transaction. Keeps, per entry, what the input asked for and what the server answered,
/// so the tests can check the result without holding the 33 MB of input in memory.
/// </summary>
public sealed partial class SyntheaLoad : IAsyncLifetime
{
    public const string HospitalPattern = "hospitalInformation*.json";
    public const string PractitionerPattern = "practitionerInformation*.json";

    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<JsonElement>>> _searches = new();

    public string? Folder { get; } = SharedFixtures.Find("synthea");
    public FhirPortalHost Host { get; } = new();
    public HttpClient Client { get; private set; } = null!;
    public List<LoadedBundle> Bundles { get; } = [];
    public TimeSpan LoadTime { get; private set; }

    public IEnumerable<LoadedEntry> Entries => Bundles.SelectMany(b => b.Entries);

    public async Task InitializeAsync()
    {
        Client = Host.CreateFhirClient();
        if (Folder is null) return;
        var clock = Stopwatch.StartNew();
        foreach (var file in LoadOrder(Folder)) Bundles.Add(await PostAsync(file));
        LoadTime = clock.Elapsed;
    }

    public Task DisposeAsync()
    {
        Client?.Dispose();
        Host.Dispose();
        return Task.CompletedTask;
    }

    public static IEnumerable<string> LoadOrder(string folder)
    {
        var hospital = Directory.GetFiles(folder, HospitalPattern).Order(StringComparer.Ordinal);
        var practitioner = Directory.GetFiles(folder, PractitionerPattern).Order(StringComparer.Ordinal);
        var patients = Directory.GetFiles(folder, "*.json").Except(hospital).Except(practitioner).Order(StringComparer.Ordinal);
        return hospital.Concat(practitioner).Concat(patients);
    }

    /// <summary>POSTs one bundle file to the base and pairs each input entry with its response entry.</summary>
    public async Task<LoadedBundle> PostAsync(string file)
    {
        var text = await File.ReadAllTextAsync(file);
        var clock = Stopwatch.StartNew();
        var response = await Client.SendAsync(HttpMethod.Post, "", Fhir.Body(text), ("Prefer", "return=minimal"));
        var elapsed = clock.Elapsed;
        var body = await response.ReadJsonAsync();

        var bundle = JsonNode.Parse(text)!;
        var input = bundle["entry"]!.AsArray();
        var answers = body["entry"]?.AsArray();
        string? error = null;
        if ((int)response.StatusCode != 200 || answers?.Count != input.Count)
        {
            var json = body.ToJsonString();
            error = $"HTTP {(int)response.StatusCode}, {answers?.Count ?? 0} response entries for {input.Count}: {json[..Math.Min(2000, json.Length)]}";
        }
        var entries = input.Select((entry, i) => LoadedEntry.From(entry!, error is null ? answers![i]!["response"] : null)).ToList();
        return new LoadedBundle(Path.GetFileName(file), (string?)bundle["type"], entries, elapsed, error);
    }

    /// <summary>Every current resource of a type, by <c>GET /fhir/{type}?_count=500</c> and its next links (cached).</summary>
    public Task<IReadOnlyList<JsonElement>> SearchAllAsync(string type, bool fresh = false)
    {
        if (fresh) return FetchAllAsync(type);
        return _searches.GetOrAdd(type, FetchAllAsync);
    }

    private async Task<IReadOnlyList<JsonElement>> FetchAllAsync(string type)
    {
        var resources = new List<JsonElement>();
        for (string? url = $"{type}?_count=500"; url is not null;)
        {
            var response = await Client.GetAsync(url);
            response.EnsureSuccessStatusCode();
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            if (page.RootElement.TryGetProperty("entry", out var entries))
                resources.AddRange(entries.EnumerateArray()
                    .Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
                    .Select(e => e.GetProperty("resource").Clone()));
            url = page.RootElement.TryGetProperty("link", out var links)
                ? links.EnumerateArray().Where(l => l.GetProperty("relation").GetString() == "next").Select(l => l.GetProperty("url").GetString()).FirstOrDefault()
                : null;
        }
        return resources;
    }

    /// <summary>Runs a check over many items with a few requests in flight; returns the failures.</summary>
    public static async Task<List<string>> CheckAllAsync<T>(IEnumerable<T> items, Func<T, Task<string?>> check)
    {
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, _) =>
        {
            if (await check(item) is { } failure) failures.Add(failure);
        });
        return failures.Order(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"^[A-Z][A-Za-z]+\?")]
    public static partial Regex ConditionalReference();
}

/// <summary>One bundle as loaded: its type, entries, how long the POST took, and a failure of the whole request.</summary>
public sealed record LoadedBundle(string File, string? Type, IReadOnlyList<LoadedEntry> Entries, TimeSpan Elapsed, string? Error);

/// <summary>A reference in the input that the server must rewrite: where it is (JSON path) and what it said.</summary>
public sealed record ReferenceSite(IReadOnlyList<string> Path, string Original);

/// <summary>
/// One entry: the input's type, fullUrl, ifNoneExist, identifiers and rewritable references, and the server's
/// response status and created key (<c>Type/id</c> from the response location).
/// </summary>
public sealed record LoadedEntry(
    string Type,
    string? FullUrl,
    string? IfNoneExist,
    IReadOnlyList<string> Identifiers,
    IReadOnlyList<ReferenceSite> References,
    string? Status,
    string? Location)
{
    /// <summary><c>Type/id</c> of the stored resource, from the response location <c>Type/id/_history/n</c>.</summary>
    public string? Key => Location?.Split('/') is [var type, var id, ..] ? $"{type}/{id}" : null;

    public static LoadedEntry From(JsonNode entry, JsonNode? response)
    {
        var resource = entry["resource"]!;
        var identifiers = resource["identifier"]?.AsArray()
            .Select(i => $"{(string?)i!["system"]}|{(string?)i["value"]}").ToList() ?? [];
        var references = new List<ReferenceSite>();
        CollectReferences(resource, [], references);
        return new LoadedEntry((string)resource["resourceType"]!, (string?)entry["fullUrl"], (string?)entry["request"]?["ifNoneExist"],
            identifiers, references, (string?)response?["status"], (string?)response?["location"]);
    }

    private static void CollectReferences(JsonNode? node, List<string> path, List<ReferenceSite> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (name == "reference" && value is JsonValue v && v.TryGetValue<string>(out var reference)
                        && (reference.StartsWith("urn:uuid:", StringComparison.Ordinal) || SyntheaLoad.ConditionalReference().IsMatch(reference)))
                        found.Add(new ReferenceSite([.. path, name], reference));
                    else CollectReferences(value, [.. path, name], found);
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) CollectReferences(array[i], [.. path, i.ToString()], found);
                break;
        }
    }
}

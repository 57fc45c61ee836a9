using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace FhirPortal.Server.Tests.Fixtures;

/// <summary>
/// The Synthea data set (../shared/fixtures/synthea: 2 provider batches, 19 patient transactions, ~15k resources)
/// loads into one server, and what is stored afterwards is what the bundles described.
/// </summary>
public sealed class SyntheaLoadTests(SyntheaLoad load, ITestOutputHelper output) : IClassFixture<SyntheaLoad>
{
    [SkippableFact]
    public void Every_batch_and_transaction_entry_of_the_load_answers_2xx()
    {
        SkipUnlessLoaded();
        var resources = load.Entries.Count();
        output.WriteLine($"Loaded {load.Bundles.Count} bundles, {resources} resources in {load.LoadTime.TotalSeconds:F1} s: " +
                         $"{resources / load.LoadTime.TotalSeconds:F0} resources/s (Prefer: return=minimal).");
        foreach (var bundle in load.Bundles.OrderByDescending(b => b.Entries.Count).Take(3))
            output.WriteLine($"  {bundle.File}: {bundle.Entries.Count} entries in {bundle.Elapsed.TotalSeconds:F2} s");

        Assert.Equal(21, load.Bundles.Count);
        var failures = load.Bundles.Where(b => b.Error is not null).Select(b => $"{b.File}: {b.Error}")
            .Concat(load.Bundles.Where(b => b.Error is null).SelectMany(b => b.Entries.Select((e, i) => (b, e, i)))
                .Where(x => x.e.Status?.StartsWith('2') != true || x.e.Key is null)
                .Select(x => $"{x.b.File} entry {x.i} ({x.e.Type}): status '{x.e.Status}', location '{x.e.Location}'"))
            .ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n{string.Join("\n", failures.Take(50))}");
    }

    [SkippableFact]
    public async Task Resources_found_per_type_are_exactly_the_ones_the_bundles_created()
    {
        SkipUnlessLoaded();
        var failures = new List<string>();
        foreach (var group in load.Entries.GroupBy(e => e.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var found = (await load.SearchAllAsync(group.Key)).Select(r => $"{group.Key}/{r.GetProperty("id").GetString()}").ToHashSet();
            var created = group.Select(e => e.Key).OfType<string>().ToHashSet();
            output.WriteLine($"{group.Key}: {group.Count()} in the bundles, {found.Count} found");
            if (found.Count != group.Count() || !found.SetEquals(created))
                failures.Add($"{group.Key}: {group.Count()} in the bundles, {created.Count} created, {found.Count} found by search");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public async Task Every_loaded_resource_reads_back_by_its_id()
    {
        SkipUnlessLoaded();
        var entries = load.Entries.ToList();
        Assert.All(entries, e => Assert.NotNull(e.Key));
        var failures = await SyntheaLoad.CheckAllAsync(entries, async e =>
        {
            var response = await load.Client.GetAsync(e.Key);
            if (response.StatusCode != HttpStatusCode.OK) return $"{e.Key}: read returned {(int)response.StatusCode}";
            var body = await response.ReadJsonAsync();
            return $"{(string?)body["resourceType"]}/{(string?)body["id"]}" == e.Key && (string?)body["meta"]?["versionId"] == "1"
                ? null
                : $"{e.Key}: read returned {(string?)body["resourceType"]}/{(string?)body["id"]} version {(string?)body["meta"]?["versionId"]}";
        });
        Assert.True(failures.Count == 0, $"{failures.Count} of {entries.Count} did not read back:\n{string.Join("\n", failures.Take(50))}");
    }

    [SkippableFact]
    public async Task Every_urn_uuid_and_conditional_reference_is_stored_as_the_literal_reference_it_resolved_to()
    {
        SkipUnlessLoaded();
        var providers = load.Bundles.Where(b => b.Type == "batch").SelectMany(b => b.Entries)
            .SelectMany(e => e.Identifiers.Select(id => (Criteria: $"{e.Type}?identifier={id}", e.Key)))
            .ToLookup(p => p.Criteria, p => p.Key);
        var failures = new List<string>();
        var targets = new HashSet<string>();
        var (urns, conditionals) = (0, 0);
        var storedByType = new Dictionary<string, Dictionary<string, JsonElement>>();
        foreach (var bundle in load.Bundles)
        {
            var byFullUrl = bundle.Entries.Where(e => e.FullUrl is not null).ToDictionary(e => e.FullUrl!, e => e.Key);
            foreach (var entry in bundle.Entries.Where(e => e.References.Count > 0))
            {
                var stored = await StoredAsync(entry, storedByType);
                foreach (var site in entry.References)
                {
                    var isUrn = site.Original.StartsWith("urn:uuid:", StringComparison.Ordinal);
                    _ = isUrn ? urns++ : conditionals++;
                    var expected = isUrn ? byFullUrl.GetValueOrDefault(site.Original) : Single(providers[Unescaped(site.Original)]);
                    var actual = stored is { } s && Navigate(s, site.Path) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
                    if (expected is null || actual != expected)
                        failures.Add($"{bundle.File} {entry.Key} .{string.Join('.', site.Path)}: '{site.Original}' is stored as '{actual}', expected '{expected}'");
                    else targets.Add(actual);
                }
            }
        }
        output.WriteLine($"{urns} urn:uuid and {conditionals} conditional references checked; {targets.Count} distinct targets.");
        Assert.True(urns > 0 && conditionals > 0, "The Synthea bundles should hold urn:uuid and conditional references.");

        failures.AddRange(await SyntheaLoad.CheckAllAsync(targets, async target =>
        {
            var response = await load.Client.GetAsync(target);
            return response.StatusCode == HttpStatusCode.OK ? null : $"reference target {target}: GET returned {(int)response.StatusCode}";
        }));
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n{string.Join("\n", failures.Take(50))}");
    }

    [SkippableFact]
    public async Task Each_provider_created_with_ifNoneExist_is_found_exactly_once_by_its_identifier()
    {
        SkipUnlessLoaded();
        var providers = load.Entries.Where(e => e.IfNoneExist is not null).ToList();
        Assert.Equal(["Location", "Organization", "Practitioner"], providers.Select(p => p.Type).Distinct().Order(StringComparer.Ordinal));
        var failures = await SyntheaLoad.CheckAllAsync(providers, async p =>
        {
            var (name, value) = Criterion(p.IfNoneExist!);
            var response = await load.Client.GetAsync($"{p.Type}?{name}={Uri.EscapeDataString(value)}");
            if (response.StatusCode != HttpStatusCode.OK) return $"{p.Type}?{p.IfNoneExist}: search returned {(int)response.StatusCode}";
            var matches = (await response.ReadJsonAsync())["entry"]?.AsArray()
                .Where(e => (string?)e!["search"]?["mode"] == "match")
                .Select(e => $"{p.Type}/{(string?)e!["resource"]!["id"]}").ToList() ?? [];
            return matches.Count == 1 && matches[0] == p.Key ? null : $"{p.Type}?{p.IfNoneExist}: found [{string.Join(", ", matches)}], expected [{p.Key}]";
        });
        Assert.True(failures.Count == 0, $"{failures.Count} of {providers.Count} providers:\n{string.Join("\n", failures.Take(50))}");
    }

    [SkippableFact]
    public async Task Loading_the_hospital_batch_again_creates_nothing_new()
    {
        SkipUnlessLoaded();
        var first = load.Bundles[0];
        Assert.StartsWith("hospitalInformation", first.File);

        var again = await load.PostAsync(Path.Combine(load.Folder!, first.File));

        Assert.Null(again.Error);
        var failures = first.Entries.Zip(again.Entries, (before, now) => (before, now))
            .Where(x => x.now.Status != "200 OK" || x.now.Location != x.before.Location)
            .Select(x => $"{x.now.Type} {x.now.IfNoneExist}: '{x.now.Status}' at '{x.now.Location}', first load made {x.before.Location}")
            .ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {first.Entries.Count} entries:\n{string.Join("\n", failures.Take(50))}");
        foreach (var type in first.Entries.Select(e => e.Type).Distinct())
            Assert.Equal(first.Entries.Count(e => e.Type == type), (await load.SearchAllAsync(type, fresh: true)).Count);
    }

    /// <summary>Skips the test (outside CI; in CI the fixture already failed) when ../shared/fixtures/synthea is missing.</summary>
    private void SkipUnlessLoaded()
    {
        if (load.Folder is null) throw SharedFixtures.Missing("synthea");
    }

    private async Task<JsonElement?> StoredAsync(LoadedEntry entry, Dictionary<string, Dictionary<string, JsonElement>> byType)
    {
        if (!byType.TryGetValue(entry.Type, out var stored))
            byType[entry.Type] = stored = (await load.SearchAllAsync(entry.Type)).ToDictionary(r => $"{entry.Type}/{r.GetProperty("id").GetString()}");
        return entry.Key is not null && stored.TryGetValue(entry.Key, out var resource) ? resource : null;
    }

    private static JsonElement? Navigate(JsonElement node, IReadOnlyList<string> path)
    {
        foreach (var step in path)
        {
            if (node.ValueKind == JsonValueKind.Array && int.TryParse(step, out var i) && i < node.GetArrayLength()) node = node[i];
            else if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(step, out var child)) node = child;
            else return null;
        }
        return node;
    }

    /// <summary><c>Type?identifier=a%7Cb</c> as <c>Type?identifier=a|b</c>: the key the provider identifiers use.</summary>
    private static string Unescaped(string conditional) => Uri.UnescapeDataString(conditional);

    private static string? Single(IEnumerable<string?> keys) => keys.Distinct().ToList() is [var only] ? only : null;

    private static (string Name, string Value) Criterion(string ifNoneExist)
    {
        var equals = ifNoneExist.IndexOf('=');
        return (ifNoneExist[..equals], Uri.UnescapeDataString(ifNoneExist[(equals + 1)..]));
    }
}

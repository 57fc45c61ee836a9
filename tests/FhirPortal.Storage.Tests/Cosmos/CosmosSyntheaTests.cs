using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirPortal.Storage.Tests.Cosmos;

/// <summary>
/// The same Synthea data (hospitals, practitioners, three small patients from ../shared/fixtures/synthea) loaded
/// into one server on SQLite and one on Cosmos: Patient/$everything, system $export and Patient/$export must give
/// the same resources on both.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosSyntheaTests(CosmosEmulator emulator)
{
    private const int PatientBundles = 3;

    [SkippableFact]
    public async Task Everything_and_export_over_Synthea_data_are_identical_on_SQLite_and_Cosmos()
    {
        var folder = SyntheaFolder();
        emulator.SkipUnlessRunning();
        var data = Path.Combine(Path.GetTempPath(), "fhirportal-cosmos-synthea", Guid.NewGuid().ToString("N"));
        var cosmos = emulator.NewContainer();
        using var sqlite = new ServerHost(Path.Combine(data, "sqlite"));
        using var onCosmos = new ServerHost(Path.Combine(data, "cosmos"), cosmos);
        var (a, b) = (sqlite.FhirClient(), onCosmos.FhirClient());
        try
        {
            var patients = new List<string>();
            foreach (var file in LoadOrder(folder))
            {
                var bundle = WithStableIds(await File.ReadAllTextAsync(file));
                await PostAsync(a, bundle, file);
                await PostAsync(b, bundle, file);
                if ((string?)JsonNode.Parse(bundle)!["type"] == "transaction")
                    patients.Add((string)JsonNode.Parse(bundle)!["entry"]!.AsArray().First(e => (string?)e!["resource"]!["resourceType"] == "Patient")!["resource"]!["id"]!);
            }

            foreach (var patient in patients)
            {
                var expected = await EverythingAsync(a, patient);
                Assert.Contains($"Patient/{patient}", expected);
                Assert.Contains(expected, k => k.StartsWith("Practitioner/", StringComparison.Ordinal));
                Assert.Contains(expected, k => k.StartsWith("Organization/", StringComparison.Ordinal));
                Assert.Equal(expected, await EverythingAsync(b, patient));
            }

            foreach (var kickOff in new[] { "$export", "Patient/$export" })
            {
                var expected = await ExportAsync(a, kickOff);
                Assert.Equal(patients.Count, expected["Patient"].Count);
                var actual = await ExportAsync(b, kickOff);
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
                foreach (var (type, keys) in expected) Assert.Equal(keys, actual[type]);
            }
        }
        finally
        {
            a.Dispose();
            b.Dispose();
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The hospital and practitioner batches first (patients reference them), then the smallest patient bundles.</summary>
    private static IEnumerable<string> LoadOrder(string folder)
    {
        var hospital = Directory.GetFiles(folder, "hospitalInformation*.json").Order(StringComparer.Ordinal).ToList();
        var practitioner = Directory.GetFiles(folder, "practitionerInformation*.json").Order(StringComparer.Ordinal).ToList();
        var patients = Directory.GetFiles(folder, "*.json").Except(hospital).Except(practitioner)
            .OrderBy(f => new FileInfo(f).Length).ThenBy(f => f, StringComparer.Ordinal).Take(PatientBundles);
        return hospital.Concat(practitioner).Concat(patients);
    }

    /// <summary>
    /// Every entry becomes a PUT to the id in its urn:uuid fullUrl, so both servers store the same ids (a POST gets a
    /// server-chosen id) and their answers compare by id. The resources and references are Synthea's, unchanged.
    /// </summary>
    private static string WithStableIds(string text)
    {
        var bundle = JsonNode.Parse(text)!;
        foreach (var entry in bundle["entry"]!.AsArray())
        {
            var id = ((string)entry!["fullUrl"]!)["urn:uuid:".Length..];
            var resource = entry["resource"]!;
            resource["id"] = id;
            entry["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{(string)resource["resourceType"]!}/{id}" };
        }
        return bundle.ToJsonString();
    }

    private static async Task PostAsync(HttpClient client, string bundle, string file)
    {
        var response = await client.PostAsync("", new StringContent(bundle, Encoding.UTF8, "application/fhir+json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{Path.GetFileName(file)}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 2000)]}");
        var failed = JsonNode.Parse(body)!["entry"]!.AsArray().Select(e => (string)e!["response"]!["status"]!).Where(s => !s.StartsWith('2')).ToList();
        Assert.True(failed.Count == 0, $"{Path.GetFileName(file)}: {string.Join(", ", failed.Distinct())}");
    }

    /// <summary>Every "Type/id" of Patient/$everything, following the next links; none may repeat.</summary>
    private static async Task<List<string>> EverythingAsync(HttpClient client, string patient)
    {
        var keys = new List<string>();
        string? url = $"Patient/{patient}/$everything?_count=40";
        while (url is not null)
        {
            var response = await client.GetAsync(url);
            var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {page.ToJsonString()[..Math.Min(2000, page.ToJsonString().Length)]}");
            keys.AddRange((page["entry"]?.AsArray() ?? []).Select(e => $"{(string)e!["resource"]!["resourceType"]!}/{(string)e["resource"]!["id"]!}"));
            url = (string?)page["link"]?.AsArray().FirstOrDefault(l => (string?)l!["relation"] == "next")?["url"];
        }
        Assert.Equal(keys.Count, keys.Distinct().Count());
        return keys.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The "Type/id"s of a finished export, by type (kick-off, poll the status URL, read every file).</summary>
    private static async Task<Dictionary<string, List<string>>> ExportAsync(HttpClient client, string kickOff)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, kickOff);
        request.Headers.Add("Prefer", "respond-async");
        var started = await client.SendAsync(request);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"{kickOff}: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var status = started.Content.Headers.ContentLocation!.ToString();
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        JsonNode manifest;
        while (true)
        {
            var response = await client.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                break;
            }
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{status}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(DateTime.UtcNow < until, $"{kickOff} did not finish");
            await Task.Delay(250);
        }
        Assert.Empty(manifest["error"]?.AsArray() ?? []);
        var byType = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var output in manifest["output"]!.AsArray())
        {
            var type = (string)output!["type"]!;
            if (!byType.TryGetValue(type, out var keys)) byType[type] = keys = [];
            var text = await client.GetStringAsync((string)output["url"]!);
            keys.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => $"{type}/{(string)JsonNode.Parse(line)!["id"]!}"));
        }
        foreach (var keys in byType.Values) keys.Sort(StringComparer.Ordinal);
        return byType;
    }

    /// <summary>../shared/fixtures/synthea beside the checkout; in CI (CI=true) its absence fails the test, elsewhere it skips it.</summary>
    private static string SyntheaFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "fixtures", "synthea"), Path.Combine(dir.FullName, "..", "shared", "fixtures", "synthea") })
            {
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            }
        }
        throw TestRequirements.Missing("../shared/fixtures/synthea is missing (expected beside the checkout).");
    }
}

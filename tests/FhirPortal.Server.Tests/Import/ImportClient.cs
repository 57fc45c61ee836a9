using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;
using FhirPortal.Server.Tests.Operations;

namespace FhirPortal.Server.Tests.Import;

/// <summary>Test side of $import: input files in a host's import folder, the Parameters manifest, the result and its error file.</summary>
internal static class ImportClient
{
    public static string Root(FhirPortalHost host) => Directory.CreateDirectory(Path.Combine(host.DataDirectory, "import")).FullName;

    /// <summary>Writes an NDJSON file under the host's import folder; returns its path relative to that folder.</summary>
    public static string WriteFile(FhirPortalHost host, string name, params string[] lines)
    {
        File.WriteAllText(Path.Combine(Root(host), name), string.Join("\n", lines) + "\n");
        return name;
    }

    /// <summary>The generator's NDJSON for <paramref name="options"/> in the import folder, as inputs in load order (file: URLs).</summary>
    public static (string Type, string Url)[] Generated(FhirPortalHost host, GeneratorOptions options, string folder = "generated")
    {
        var directory = Path.Combine(Root(host), folder);
        DataSetFiles.WriteNdjson(options, directory);
        var types = Directory.GetFiles(directory, "*.ndjson").Select(f => Path.GetFileNameWithoutExtension(f)!);
        return DataSetFiles.LoadOrder(types).Select(t => (t, new Uri(Path.Combine(directory, t + ".ndjson")).AbsoluteUri)).ToArray();
    }

    /// <summary>The Microsoft FHIR server's $import Parameters for these inputs.</summary>
    public static StringContent Manifest(IEnumerable<(string Type, string Url)> inputs, bool? validate = null, string format = "application/fhir+ndjson")
    {
        var parameters = new JsonArray
        {
            new JsonObject { ["name"] = "inputFormat", ["valueString"] = format },
            new JsonObject { ["name"] = "mode", ["valueString"] = "InitialLoad" },
        };
        if (validate is { } on) parameters.Add(new JsonObject { ["name"] = "validate", ["valueBoolean"] = on });
        foreach (var (type, url) in inputs)
            parameters.Add(new JsonObject
            {
                ["name"] = "input",
                ["part"] = new JsonArray(
                    new JsonObject { ["name"] = "type", ["valueString"] = type },
                    new JsonObject { ["name"] = "url", ["valueUri"] = url }),
            });
        return Fhir.Body(new JsonObject { ["resourceType"] = "Parameters", ["parameter"] = parameters });
    }

    public static StringContent Manifest(params (string Type, string Url)[] inputs) => Manifest(inputs, null);

    public static Task<HttpResponseMessage> KickOffAsync(HttpClient client, StringContent manifest) =>
        BulkClient.KickOffAsync(client, "$import", manifest);

    /// <summary>Starts the job and waits for its result (200).</summary>
    public static async Task<JsonElement> RunAsync(HttpClient client, StringContent manifest) =>
        await BulkClient.WaitAsync(client, await BulkClient.StartAsync(client, "$import", manifest));

    /// <summary>Imported resources per type (summed over the inputs).</summary>
    public static Dictionary<string, long> Counts(JsonElement result) =>
        result.GetProperty("output").EnumerateArray()
            .GroupBy(o => o.GetProperty("type").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(o => o.GetProperty("count").GetInt64()));

    /// <summary>Every OperationOutcome of the error file (none when the result lists no error file).</summary>
    public static async Task<List<JsonElement>> ErrorsAsync(HttpClient client, JsonElement result)
    {
        var errors = new List<JsonElement>();
        foreach (var file in result.GetProperty("error").EnumerateArray())
        {
            var text = await client.GetStringAsync(file.GetProperty("url").GetString());
            errors.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()));
            Assert.Equal(file.GetProperty("count").GetInt64(), errors.Count);
        }
        return errors;
    }

    /// <summary>The diagnostics of an error file line's issues, joined.</summary>
    public static string Diagnostics(JsonElement outcome) =>
        string.Join(" | ", outcome.GetProperty("issue").EnumerateArray().Select(i => i.TryGetProperty("diagnostics", out var d) ? d.GetString() : ""));
}

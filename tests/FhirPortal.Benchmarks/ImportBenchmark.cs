using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Issue 25's Bulk Data <c>$import</c> (<c>--import</c>): the data generator's NDJSON for <c>--patients</c> patients imported
/// from the server's import folder into an empty store, with validation on (the server's default) and off, each run on a
/// fresh server and data folder after a small warm-up import; against the raw SQLite reference for the same rows in as
/// many transactions as the import commits batches. Writes its section of BENCHMARKS.md.
/// </summary>
internal static class ImportBenchmark
{
    private const string Start = "<!-- import benchmark: written by --import, kept by full runs -->";
    private const string End = "<!-- end of import benchmark -->";
    private const int BatchSize = 500;

    public static async Task RunAsync(string root, string temp, BenchmarkOptions options)
    {
        var generator = new GeneratorOptions { Seed = 1, Patients = options.Patients, ResourcesPerPatient = options.ResourcesPerPatient, AsOf = IngestBenchmark.AsOf };
        var folder = Path.Combine(temp, "files");
        var resources = DataSetFiles.WriteNdjson(generator, Path.Combine(folder, "data"));
        // The warm-up (JIT tier-up, validator schemas, search parameters, caches) imports --warmup-patients patients of another seed, every type the
        // timed import holds, so the timed figure is steady state. The shared resources (dg-…) are the same in every seed:
        // renamed (ids and references alike) so the timed import still writes every one of its resources into an empty store.
        var warmup = Path.Combine(folder, "warmup");
        DataSetFiles.WriteNdjson(generator with { Seed = 2, Patients = options.WarmupPatients }, warmup);
        foreach (var file in Directory.GetFiles(warmup, "*.ndjson"))
            File.WriteAllText(file, File.ReadAllText(file).Replace("dg-", "dw-", StringComparison.Ordinal));
        var load = LoadAverage();
        Console.WriteLine($"$import: {options.Patients} generated patients, {resources:N0} resources, {options.Runs} run(s); load average {load}");

        var samples = new Dictionary<bool, List<Sample>> { [true] = [], [false] = [] };
        var raw = new List<Sample>();
        for (var run = 0; run < options.Runs; run++)
            foreach (var validate in new[] { true, false })
            {
                var dataDirectory = Path.Combine(temp, $"import-{run}-{validate}");
                await using (var server = await ServerProcess.StartFhirAsync(root, dataDirectory, $"--FhirPortal:Import:Root={folder}", $"--FhirPortal:Import:BatchSize={BatchSize}"))
                using (var client = new HttpClient { BaseAddress = new Uri(server.BaseAddress, "fhir/"), Timeout = TimeSpan.FromMinutes(30) })
                {
                    await ImportAsync(client, warmup, validate);
                    var warmRows = RawSqliteReference.LastRid(server.DatabasePath);
                    var meter = CpuMeter.Start(server);
                    var imported = await ImportAsync(client, Path.Combine(folder, "data"), validate);
                    var (seconds, clientCpu, serverCpu) = meter.Stop();
                    if (imported != resources) throw new InvalidOperationException($"$import wrote {imported} of {resources} resources.");
                    await server.StopAsync();
                    var sample = new Sample(resources / seconds, double.NaN, double.NaN, double.NaN, clientCpu, serverCpu, 0, seconds, resources);
                    samples[validate].Add(sample);
                    Console.WriteLine($"  run {run + 1}, validation {(validate ? "on" : "off")}: {sample.Rate:N0} resources/s, server CPU {sample.ServerCpuMs:F3} ms/resource");
                    if (validate)
                        raw.Add(RawSqliteReference.Capture(server.DatabasePath, warmRows).MeasureIngest(Path.Combine(temp, $"raw-{run}.db"), (int)Math.Ceiling(resources / (double)BatchSize)));
                }
                if (!options.KeepData) IngestBenchmark.DeleteQuietly(dataDirectory);
            }

        var reference = Figure.Of(raw);
        var table = new Table("Bulk Data $import",
            $"`POST /fhir/$import` of the data generator's NDJSON ({options.Patients} patients, {resources:N0} resources, one file per type in " +
            $"`DataSetFiles.LoadOrder`) from the server's import folder into a store holding none of its resources, batches of {BatchSize}, each run on a fresh server " +
            $"after a warm-up import of {options.WarmupPatients} other patients (every type; the shared resources under other ids). Time and server CPU from the kick-off to the completed status. The raw SQLite " +
            "reference inserts the same rows (blobs and index rows of the timed import's resources) into an empty database with the same schema, serially, in as many " +
            $"transactions as the import commits batches. Load average when the run started: {load}; at the end: {LoadAverage()} " +
            "(2 cores shared with other builds and tests: read the CPU per resource and the ratio, not the rates).",
            "validation", "resources/s", "server CPU ms/resource", "runs (spread)", "vs raw SQLite", "target");
        foreach (var validate in new[] { true, false })
        {
            var f = Figure.Of(samples[validate]);
            var share = f.Rate / reference.Rate;
            table.Add(validate ? "on (default)" : "off", Fmt.N0(f.Rate), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f), Fmt.Ratio(f.Rate, reference.Rate),
                Fmt.Verdict(f.Rate >= 10_000 && share >= 0.6, "≥ 10,000/s, ≥ 60% of raw"));
        }
        table.Add("raw SQLite (same rows)", Fmt.N0(reference.Rate), Stats.InProcessCpu(raw), Fmt.Runs(reference), "1.00", "");
        Console.WriteLine();
        Console.WriteLine(table.Markdown());
        if (options.Write) WriteSection(Path.Combine(root, "BENCHMARKS.md"), table.Markdown());
    }

    /// <summary>Imports the folder's NDJSON files (all types in load order) and returns the resources imported; fails on any rejected line.</summary>
    private static async Task<long> ImportAsync(HttpClient client, string directory, bool validate)
    {
        var types = DataSetFiles.LoadOrder(Directory.GetFiles(directory, "*.ndjson").Select(f => Path.GetFileNameWithoutExtension(f)!));
        var parameters = new JsonArray
        {
            new JsonObject { ["name"] = "inputFormat", ["valueString"] = "application/fhir+ndjson" },
            new JsonObject { ["name"] = "validate", ["valueBoolean"] = validate },
        };
        foreach (var type in types)
            parameters.Add(new JsonObject
            {
                ["name"] = "input",
                ["part"] = new JsonArray(
                    new JsonObject { ["name"] = "type", ["valueString"] = type },
                    new JsonObject { ["name"] = "url", ["valueUri"] = new Uri(Path.Combine(directory, type + ".ndjson")).AbsoluteUri }),
            });
        using var request = new HttpRequestMessage(HttpMethod.Post, "$import")
        {
            Content = new StringContent(new JsonObject { ["resourceType"] = "Parameters", ["parameter"] = parameters }.ToJsonString(), Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Add("Prefer", "respond-async");
        using var started = await client.SendAsync(request);
        if (started.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"$import kick-off: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var status = started.Content.Headers.ContentLocation ?? throw new InvalidOperationException("$import kick-off without Content-Location");
        while (true)
        {
            using var response = await client.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                // Each poll is a request the server's CPU time includes: often enough for the timing, rare enough not to weigh.
                await Task.Delay(250);
                continue;
            }
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"$import status: {(int)response.StatusCode} {body}");
            var result = JsonNode.Parse(body)!;
            if (result["error"]!.AsArray().Count > 0)
            {
                var errors = await client.GetStringAsync(result["error"]![0]!["url"]!.GetValue<string>());
                throw new InvalidOperationException($"$import rejected lines: {errors[..Math.Min(errors.Length, 2000)]}");
            }
            return result["output"]!.AsArray().Sum(o => o!["count"]!.GetValue<long>());
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Replaces this benchmark's section of BENCHMARKS.md (added at the end the first time).</summary>
    public static void WriteSection(string path, string body)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var section = $"{Start}\n{body.TrimEnd()}\n{End}\n";
        var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
        text = from >= 0 && to > from ? text[..from] + section + text[(to + End.Length)..].TrimStart('\n') : text.TrimEnd() + "\n\n" + section;
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote the $import section of {path}");
    }

    /// <summary>The section as it stands in <paramref name="path"/>, or empty (full runs keep it).</summary>
    public static string Existing(string path)
    {
        if (!File.Exists(path)) return "";
        var text = File.ReadAllText(path);
        var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
        return from >= 0 && to > from ? text[from..(to + End.Length)] + "\n" : "";
    }
}

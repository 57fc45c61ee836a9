using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Transaction ingest: FhirPortal.DataGen patients, one transaction Bundle each, at concurrency 1, 4 and 16 (a fresh
/// server and data folder per level and run), against the raw SQLite ceiling for the same rows; and the Synthea
/// fixtures, serially, into the server the later scenarios read from.
/// </summary>
internal static class IngestBenchmark
{
    public static readonly int[] Levels = [1, 4, 16];

    /// <summary>A transaction, serialized before any clock starts.</summary>
    public sealed record PostedBundle(string Name, byte[] Json, int Resources);

    public static readonly DateOnly AsOf = new(2026, 1, 1);

    public static (PostedBundle Shared, List<PostedBundle> Patients) Generate(int patients, int resourcesPerPatient, long seed)
    {
        var options = new GeneratorOptions { Seed = seed, Patients = patients, ResourcesPerPatient = resourcesPerPatient, AsOf = AsOf };
        var shared = TransactionBundles.Shared(options);
        var records = new PatientGenerator(options).All().Select(r =>
        {
            var bundle = TransactionBundles.Patient(r);
            return new PostedBundle($"patient {r.Index + 1}", FhirJson.ToBytes(bundle), bundle.Entry.Count);
        }).ToList();
        return (new PostedBundle("shared", FhirJson.ToBytes(shared), shared.Entry.Count), records);
    }

    public static async Task<Table> RunGeneratedAsync(BenchmarkOptions options, string repoRoot, string tempRoot, Targets targets)
    {
        var (shared, bundles) = Generate(options.Patients, options.ResourcesPerPatient, seed: 1);
        // Patients of another seed warm each fresh server up before the clock starts: a server ingesting a population runs
        // warm, and on 2 cores the JIT's tier-up of the validator's many methods took 40 % of the CPU of a cold short run.
        var (_, warmup) = Generate(options.WarmupPatients, options.ResourcesPerPatient, seed: 2);
        var resources = bundles.Sum(b => b.Resources);
        var levels = options.IngestLevels;
        var samples = levels.ToDictionary(c => c, _ => new List<Sample>());
        var raw = new List<Sample>();
        Console.WriteLine($"Ingest: {bundles.Count} generated patients, {resources:N0} resources, levels {string.Join("/", levels)}, {options.Runs} run(s)");
        for (var run = 0; run < options.Runs; run++)
            foreach (var concurrency in levels)
            {
                var dataDirectory = Path.Combine(tempRoot, $"ingest-{run}-{concurrency}");
                Sample sample;
                await using (var server = await ServerProcess.StartFhirAsync(repoRoot, dataDirectory))
                using (var load = new LoadGenerator(new Uri(server.BaseAddress, "fhir/")))
                {
                    await load.ForCountAsync(1, 1, Post([shared]), server);
                    await load.ForCountAsync(concurrency, warmup.Count, Post(warmup), server);
                    sample = await load.ForCountAsync(concurrency, bundles.Count, Post(bundles), server);
                    if (sample.Errors > 0) throw new InvalidOperationException($"Ingest at concurrency {concurrency}: {sample.Errors} failed bundles, e.g. {sample.FirstError}");
                    await server.StopAsync();
                    sample = sample with { Rate = resources / sample.Seconds, Count = resources, Extra = RawSqliteReference.DiskBytesPerResource(server.DatabasePath) };
                    if (concurrency == levels[0])
                        raw.Add(RawSqliteReference.Capture(server.DatabasePath).MeasureIngest(Path.Combine(tempRoot, $"raw-{run}.db"), bundles.Count + warmup.Count + 1));
                }
                samples[concurrency].Add(sample);
                Console.WriteLine($"  run {run + 1}, concurrency {concurrency}: {sample.Rate:N0} resources/s, p99 {sample.P99:N0} ms, load generator {Fmt.Percent(sample.ClientShare)} of CPU");
                if (!options.KeepData) DeleteQuietly(dataDirectory);
            }

        var reference = Figure.Of(raw);
        var table = NewTable(
            $"Transaction Bundles (one per generated patient: {bundles.Count} patients, {resources:N0} resources, about {options.ResourcesPerPatient} per patient, " +
            $"`Prefer: return=minimal`), each concurrency level on a fresh server and data folder after an untimed warm-up of {warmup.Count} other patients at the same concurrency. " +
            "Latency is per bundle. Disk is the SQLite files (main file after a WAL checkpoint) per stored resource. " +
            "The raw SQLite reference inserts the same rows (blobs and index rows) into an empty database with the same schema in as many transactions, serially.");
        foreach (var concurrency in levels)
        {
            var f = Figure.Of(samples[concurrency]);
            var share = f.Rate / reference.Rate;
            table.Add("generated", concurrency.ToString(), Fmt.N0(f.Rate), Fmt.F(f.P50), Fmt.F(f.P99), Fmt.Percent(f.ClientShare), Fmt.Cpu(f.ServerCpuMs), Fmt.N0(f.Extra),
                Fmt.Runs(f), Fmt.Ratio(f.Rate, reference.Rate), Fmt.Verdict(f.Rate >= 2500 && share >= 0.4, "≥ 2,500/s, ≥ 40% of raw"));
            targets.Judge($"ingest ≥ 2,500 resources/s (concurrency {concurrency})", Fmt.N0(f.Rate) + "/s", f.Rate >= 2500, f.Noisy);
            targets.Judge($"ingest ≥ 40% of raw SQLite (concurrency {concurrency})", Fmt.Percent(share), share >= 0.4, f.Noisy || reference.Noisy);
        }
        table.Add("raw SQLite (same rows)", "1", Fmt.N0(reference.Rate), Fmt.F(reference.P50), Fmt.F(reference.P99), "–", Stats.InProcessCpu(raw), "–", Fmt.Runs(reference), "1.00", "");
        return table;
    }

    /// <summary>The ingest table when the generated-data levels are skipped (the Synthea load still adds its rows).</summary>
    public static Table EmptyTable() => NewTable("Generated-data levels skipped (`--skip-ingest`). The raw SQLite reference inserts the same rows " +
        "(blobs and index rows) into an empty database with the same schema in as many transactions, serially.");

    private static Table NewTable(string intro) => new("Ingest", intro,
        "data", "concurrency", "resources/s", "p50 ms", "p99 ms", "load generator CPU", "server CPU ms/resource", "disk bytes/resource", "runs (spread)", "vs raw SQLite", "target");

    /// <summary>Each operation posts one bundle; the bytes posted are counted.</summary>
    public static Operation Post(IReadOnlyList<PostedBundle> bundles) => async (client, index, buffers) =>
    {
        var bundle = bundles[index];
        using var content = new ByteArrayContent(bundle.Json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = content };
        request.Headers.Add("Prefer", "return=minimal");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await LoadGenerator.Drain(response, buffers);
        return response.IsSuccessStatusCode ? bundle.Json.Length : throw new RequestFailedException(response.StatusCode, request.RequestUri!);
    };

    /// <summary>
    /// Loads the Synthea fixtures serially in the order ../shared/fixtures/README.md requires (hospital and practitioner
    /// batches first) and returns the patients as the server stored them.
    /// </summary>
    public static async Task<(Sample Sample, List<SyntheaPatient> Patients)> LoadSyntheaAsync(LoadGenerator load, ServerProcess server, string fixtures, int patientCount)
    {
        string[] providerFiles = ["hospitalInformation1625911868739.json", "practitionerInformation1625911868739.json"];
        var patientFiles = Directory.GetFiles(fixtures, "*.json").Where(f => !providerFiles.Contains(Path.GetFileName(f))).Order(StringComparer.Ordinal).ToList();
        if (patientCount > 0 && patientCount < patientFiles.Count)
        {
            // A subset: the patient nearest 1,000 resources (for $everything) and the smallest others.
            var sizes = patientFiles.ToDictionary(f => f, f => new FileInfo(f).Length);
            var nearThousand = patientFiles.MinBy(f => Math.Abs(EntryCount(f) - 1000))!;
            patientFiles = patientFiles.Where(f => f != nearThousand).OrderBy(f => sizes[f]).Take(patientCount - 1).Append(nearThousand).Order(StringComparer.Ordinal).ToList();
        }
        var files = providerFiles.Select(f => Path.Combine(fixtures, f)).Concat(patientFiles).Select(File.ReadAllBytes).ToList();
        var bundles = files.Select(json => new PostedBundle("", json, JsonNode.Parse(json)!["entry"]!.AsArray().Count)).ToList();
        var patients = new List<SyntheaPatient>();
        var responses = new JsonNode?[bundles.Count];
        var sample = await load.ForCountAsync(1, bundles.Count, async (client, index, _) =>
        {
            using var content = new ByteArrayContent(bundles[index].Json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
            using var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = content };
            request.Headers.Add("Prefer", "return=minimal");
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) throw new RequestFailedException(response.StatusCode, request.RequestUri!);
            responses[index] = JsonNode.Parse(body);
            return bundles[index].Json.Length;
        }, server);
        if (sample.Errors > 0) throw new InvalidOperationException($"Synthea load: {sample.FirstError}");
        for (var i = 0; i < bundles.Count; i++)
        {
            var request = JsonNode.Parse(files[i])!;
            if (request["type"]!.GetValue<string>() == "transaction") patients.Add(SyntheaPatient.From(request["entry"]!.AsArray(), responses[i]!));
        }
        return (sample with { Rate = bundles.Sum(b => b.Resources) / sample.Seconds, Count = bundles.Sum(b => b.Resources) }, patients);
    }

    private static int EntryCount(string file) => JsonNode.Parse(File.ReadAllBytes(file))!["entry"]!.AsArray().Count;

    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException) { /* the OS cleans the temp folder */ }
    }
}

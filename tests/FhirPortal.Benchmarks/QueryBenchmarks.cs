using System.Text.Json.Nodes;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Read by id at concurrency 1/16/64 against the raw HTTP and raw SQLite ceilings at the same concurrencies, and the
/// search issue's queries at 1/16. Runs are interleaved (run 1 of every scenario, then run 2...) so that a burst of
/// load on the machine does not hit one scenario's runs only.
/// </summary>
internal static class QueryBenchmarks
{
    public static readonly int[] ReadLevels = [1, 16, 64];
    public static readonly int[] SearchLevels = [1, 16];

    private sealed record Scenario(string Name, Uri[] Uris);

    public static async Task<List<Table>> RunAsync(LoadGenerator load, ServerProcess server, List<SyntheaPatient> patients, BenchmarkOptions options, string tempRoot, Targets targets)
    {
        var fhir = load.Client.BaseAddress!;
        // Every patient and up to 50 Observations of each, in a fixed interleaved order.
        var keys = patients.SelectMany(p => p.ObservationIds.Take(50).Select(id => ("Observation", id)).Prepend(("Patient", p.Id))).ToArray();
        var readUris = keys.Select(k => new Uri(fhir, $"{k.Item1}/{k.Item2}")).ToArray();
        var rotating = patients.Where(p => p.TopCode is not null).ToArray();
        Uri[] Each(Func<SyntheaPatient, string> url) => rotating.Select(p => new Uri(fhir, url(p))).ToArray();
        Scenario[] searches = options.ReadsOnly ? [] :
        [
            new("Observation?patient&code", Each(p => $"Observation?patient={p.Id}&code=http://loinc.org|{p.TopCode}")),
            new("Observation?patient&category&date&_sort", Each(p => $"Observation?patient={p.Id}&category=vital-signs&date=ge2015-01-01&_sort=-date")),
            new("chained subject:Patient.name", Each(p => $"Observation?subject:Patient.name={Uri.EscapeDataString(p.Family)}")),
            new("Encounter?patient&_revinclude", Each(p => $"Encounter?patient={p.Id}&_revinclude=Observation:encounter")),
            new("Observation?patient&_summary=count", Each(p => $"Observation?patient={p.Id}&_summary=count")),
        ];
        foreach (var search in searches) await CheckAsync(load.Client, search);

        // The raw HTTP reference answers with a real read response of the median size.
        var bodies = new List<byte[]>();
        foreach (var uri in readUris.Take(200)) bodies.Add(await load.Client.GetByteArrayAsync(uri));
        var typical = bodies.OrderBy(b => b.Length).ElementAt(bodies.Count / 2);
        var bodyFile = Path.Combine(tempRoot, "typical-read.json");
        await File.WriteAllBytesAsync(bodyFile, typical);

        var reads = ReadLevels.ToDictionary(c => c, _ => new List<Sample>());
        var rawHttp = ReadLevels.ToDictionary(c => c, _ => new List<Sample>());
        var rawSqlite = ReadLevels.ToDictionary(c => c, _ => new List<Sample>());
        var searchSamples = searches.ToDictionary(s => s.Name, _ => SearchLevels.ToDictionary(c => c, _ => new List<Sample>()));
        await using var raw = await ServerProcess.StartRawHttpAsync(bodyFile);
        using var rawLoad = new LoadGenerator(raw.BaseAddress);
        var rawUris = new[] { new Uri(raw.BaseAddress, "Observation/typical") };
        for (var run = 0; run < options.Runs; run++)
        {
            Console.WriteLine($"Reads and searches, run {run + 1} of {options.Runs} ...");
            foreach (var c in ReadLevels)
            {
                reads[c].Add(await MeasureAsync(load, c, LoadGenerator.Get(readUris), server, options));
                rawHttp[c].Add(await MeasureAsync(rawLoad, c, LoadGenerator.Get(rawUris), raw, options));
                await RawSqliteReference.MeasureReadsAsync(server.DatabasePath, keys, c, options.WarmupSpan);
                rawSqlite[c].Add(await RawSqliteReference.MeasureReadsAsync(server.DatabasePath, keys, c, options.DurationSpan));
            }
            foreach (var search in searches)
                foreach (var c in SearchLevels)
                    searchSamples[search.Name][c].Add(await MeasureAsync(load, c, LoadGenerator.Get(search.Uris), server, options));
        }

        var readTable = new Table("Read by id",
            $"`GET [type]/[id]` rotating over {keys.Length:N0} Synthea Patients and Observations (up to 50 per patient); closed-loop workers " +
            $"for {options.Duration:0.#} s after a {options.Warmup:0.#} s warm-up. Raw HTTP: a minimal Kestrel app in its own process returning " +
            $"the pre-serialized bytes of a median read response ({typical.Length:N0} bytes) through the same load generator. " +
            "Raw SQLite: the server's read query on its database, one connection per thread, in the harness process.",
            "scenario", "concurrency", "requests/s", "p50 ms", "p99 ms", "MB/s", "load generator CPU", "server CPU ms/request", "runs (spread)", "vs raw HTTP", "vs raw SQLite", "target");
        foreach (var c in ReadLevels)
        {
            var f = Figure.Of(reads[c]);
            var http = Figure.Of(rawHttp[c]);
            var sqlite = Figure.Of(rawSqlite[c]);
            readTable.Add("read by id", c.ToString(), Fmt.N0(f.Rate), Fmt.F(f.P50, 2), Fmt.F(f.P99, 2), Fmt.F(f.MBps), Fmt.Percent(f.ClientShare), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f),
                Fmt.Ratio(f.Rate, http.Rate), Fmt.Ratio(f.Rate, sqlite.Rate),
                c == 1 ? Fmt.Verdict(f.P99 < 5, "p99 < 5 ms") : Fmt.Verdict(f.Rate >= 4000 && f.P99 < 5 && f.Rate >= 0.5 * http.Rate, "≥ 4,000/s, p99 < 5 ms, ≥ 50% of raw HTTP"));
            if (c > 1) targets.Judge($"read by id ≥ 4,000/s (concurrency {c})", Fmt.N0(f.Rate) + "/s", f.Rate >= 4000, f.Noisy);
            targets.Judge($"read by id p99 < 5 ms (concurrency {c})", Fmt.F(f.P99, 2) + " ms", f.P99 < 5, f.Noisy);
            targets.Judge($"reads ≥ 50% of raw HTTP (concurrency {c})", Fmt.Percent(f.Rate / http.Rate), f.Rate >= 0.5 * http.Rate, f.Noisy || http.Noisy);
        }
        foreach (var c in ReadLevels)
        {
            var f = Figure.Of(rawHttp[c]);
            readTable.Add("raw HTTP", c.ToString(), Fmt.N0(f.Rate), Fmt.F(f.P50, 2), Fmt.F(f.P99, 2), Fmt.F(f.MBps), Fmt.Percent(f.ClientShare), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f), "1.00", "", "");
        }
        foreach (var c in ReadLevels)
        {
            var f = Figure.Of(rawSqlite[c]);
            readTable.Add("raw SQLite", c.ToString(), Fmt.N0(f.Rate), Fmt.F(f.P50, 3), Fmt.F(f.P99, 3), Fmt.F(f.MBps), "(in process)", Stats.InProcessCpu(rawSqlite[c]), Fmt.Runs(f), "", "1.00", "");
        }

        var searchTable = new Table("Searches",
            "The search issue's queries, rotating over the Synthea patients (patient-scoped ones use each patient's most frequent " +
            "Observation code). Each answered 200 with results and no ignored parameters before timing. The ratio is to the raw HTTP " +
            "ceiling at the same concurrency; patient-scoped searches aim at p99 < 20 ms, the chained search has no target.",
            "scenario", "concurrency", "requests/s", "p50 ms", "p99 ms", "MB/s", "load generator CPU", "server CPU ms/request", "runs (spread)", "vs raw HTTP", "target");
        foreach (var search in searches)
            foreach (var c in SearchLevels)
            {
                var f = Figure.Of(searchSamples[search.Name][c]);
                var scoped = search.Name.Contains("patient&", StringComparison.Ordinal);
                searchTable.Add(search.Name, c.ToString(), Fmt.N0(f.Rate), Fmt.F(f.P50, 2), Fmt.F(f.P99, 2), Fmt.F(f.MBps), Fmt.Percent(f.ClientShare), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f),
                    Fmt.Ratio(f.Rate, Figure.Of(rawHttp[c]).Rate), scoped ? Fmt.Verdict(f.P99 < 20, "p99 < 20 ms") : "");
            }
        return options.ReadsOnly ? [readTable] : [readTable, searchTable];
    }

    /// <summary>A warm-up run (discarded), then the measured run; failed requests make the figure meaningless.</summary>
    public static async Task<Sample> MeasureAsync(LoadGenerator load, int concurrency, Operation operation, ServerProcess server, BenchmarkOptions options)
    {
        await load.ForDurationAsync(concurrency, options.WarmupSpan, operation, server);
        var sample = await load.ForDurationAsync(concurrency, options.DurationSpan, operation, server);
        if (sample.Errors > 0) throw new InvalidOperationException($"{sample.Errors} failed requests, e.g. {sample.FirstError}");
        return sample;
    }

    /// <summary>Each scenario must answer 200 with results and no "ignored parameters" outcome entry.</summary>
    private static async Task CheckAsync(HttpClient client, Scenario scenario)
    {
        using var response = await client.GetAsync(scenario.Uris[0]);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{scenario.Name}: {(int)response.StatusCode} {body}");
        var json = JsonNode.Parse(body)!;
        var entries = json["entry"] as JsonArray ?? [];
        if (entries.Any(e => e!["search"]?["mode"]?.GetValue<string>() == "outcome"))
            throw new InvalidOperationException($"{scenario.Name}: the server ignored parameters: {body}");
        Console.WriteLine($"  {scenario.Name}: {entries.Count} entries{(json["total"] is { } t ? $", total {t}" : "")}  ({scenario.Uris[0]})");
    }
}

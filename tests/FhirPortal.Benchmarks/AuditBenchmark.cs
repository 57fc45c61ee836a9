using System.Globalization;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Issue 27's access-audit cost (<c>--audit</c>): the Synthea fixtures loaded once, then two servers on copies of that
/// data, one with <c>FhirPortal:Audit:Reads</c> off and one with it on, measured in turn (run 1 of each, then run 2...)
/// on read by id and a patient-scoped search at concurrency 1 and 16. Writes its section of BENCHMARKS.md.
/// </summary>
internal static class AuditBenchmark
{
    private static readonly int[] Levels = [1, 16];
    private const string Start = "<!-- audit benchmark: written by --audit, kept by full runs -->";
    private const string End = "<!-- end of audit benchmark -->";

    public static async Task RunAsync(string root, string fixtures, string temp, BenchmarkOptions options)
    {
        var off = Path.Combine(temp, "audit-off");
        List<SyntheaPatient> patients;
        await using (var loader = await ServerProcess.StartFhirAsync(root, off, "--FhirPortal:Audit:Reads=false"))
        {
            using var load = new LoadGenerator(new Uri(loader.BaseAddress, "fhir/"));
            Console.WriteLine("Loading the Synthea fixtures ...");
            (_, patients) = await IngestBenchmark.LoadSyntheaAsync(load, loader, Path.Combine(fixtures, "synthea"), options.SyntheaPatients);
        }
        var on = Path.Combine(temp, "audit-on");
        CopyDirectory(off, on);

        await using var plain = await ServerProcess.StartFhirAsync(root, off, "--FhirPortal:Audit:Reads=false");
        // The worst case: no access shares its AuditEvent with another (as when each concerns a different patient).
        string[] auditSettings = options.Unaggregated ? ["--FhirPortal:Audit:Reads=true", "--FhirPortal:Audit:EntitiesPerEvent=2"] : ["--FhirPortal:Audit:Reads=true"];
        await using var audited = await ServerProcess.StartFhirAsync(root, on, auditSettings);
        using var plainLoad = new LoadGenerator(new Uri(plain.BaseAddress, "fhir/"));
        using var auditedLoad = new LoadGenerator(new Uri(audited.BaseAddress, "fhir/"));
        var keys = patients.SelectMany(p => p.ObservationIds.Take(50).Select(id => $"Observation/{id}").Prepend($"Patient/{p.Id}")).ToArray();
        var searches = patients.Where(p => p.TopCode is not null).Select(p => $"Observation?patient={p.Id}&code=http://loinc.org|{p.TopCode}").ToArray();
        (string Name, string[] Urls)[] scenarios = [("read by id", keys), ("Observation?patient&code", searches)];

        var samples = new Dictionary<(string, int, bool), List<Sample>>();
        for (var run = 0; run < options.Runs; run++)
        {
            Console.WriteLine($"Audit on/off, run {run + 1} of {options.Runs} ...");
            foreach (var (name, urls) in scenarios)
                foreach (var c in Levels)
                    foreach (var (load, server, isOn) in new[] { (plainLoad, plain, false), (auditedLoad, audited, true) })
                    {
                        var uris = urls.Select(u => new Uri(load.Client.BaseAddress!, u)).ToArray();
                        var sample = await QueryBenchmarks.MeasureAsync(load, c, LoadGenerator.Get(uris), server, options);
                        (samples.TryGetValue((name, c, isOn), out var list) ? list : samples[(name, c, isOn)] = []).Add(sample);
                    }
        }
        var events = await CountAuditEventsAsync(auditedLoad);

        var table = new Table(options.Unaggregated ? "Access audit cost, worst case (every access its own AuditEvent)" : "Access audit cost",
            $"The same requests against two servers on copies of the same data ({patients.Count} Synthea patients, {keys.Length:N0} " +
            $"read keys), one with `FhirPortal:Audit:Reads` off and one with it on, measured in turn in the same run " +
            $"({options.Runs} run(s) of {options.Duration:0.#} s after {options.Warmup:0.#} s warm-up). The audited server stored " +
            $"{events:N0} AuditEvents by the end. The machine was shared with other builds and tests while this ran: read the ratios, not the rates.",
            "scenario", "concurrency", "audit", "requests/s", "p50 ms", "p99 ms", "server CPU ms/request", "runs (spread)", "throughput vs off", "p99 vs off", "target");
        foreach (var (name, _) in scenarios)
            foreach (var c in Levels)
            {
                var o = Figure.Of(samples[(name, c, false)]);
                var a = Figure.Of(samples[(name, c, true)]);
                table.Add(name, c.ToString(CultureInfo.InvariantCulture), "off", Fmt.N0(o.Rate), Fmt.F(o.P50, 2), Fmt.F(o.P99, 2), Fmt.Cpu(o.ServerCpuMs), Fmt.Runs(o), "1.00", "1.00", "");
                table.Add(name, c.ToString(CultureInfo.InvariantCulture), "on", Fmt.N0(a.Rate), Fmt.F(a.P50, 2), Fmt.F(a.P99, 2), Fmt.Cpu(a.ServerCpuMs), Fmt.Runs(a),
                    Fmt.F(a.Rate / o.Rate, 2), Fmt.F(a.P99 / o.P99, 2), Fmt.Verdict(a.Rate >= 0.9 * o.Rate && a.P99 <= 1.1 * o.P99, "within 10 % of off"));
            }
        Console.WriteLine();
        Console.WriteLine(table.Markdown());
        if (options.Write) WriteSection(Path.Combine(root, "BENCHMARKS.md"), table.Markdown());
    }

    private static async Task<long> CountAuditEventsAsync(LoadGenerator load)
    {
        // The audit writer flushes every second: give it time to write the last batches.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var json = System.Text.Json.Nodes.JsonNode.Parse(await load.Client.GetStringAsync("AuditEvent?_summary=count"))!;
        return (long?)json["total"] ?? 0;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>Replaces this benchmark's section of BENCHMARKS.md (added at the end the first time).</summary>
    public static void WriteSection(string path, string body)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var section = $"{Start}\n{body.TrimEnd()}\n{End}\n";
        var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
        text = from >= 0 && to > from ? text[..from] + section + text[(to + End.Length)..].TrimStart('\n') : text.TrimEnd() + "\n\n" + section;
        File.WriteAllText(path, text);
        Console.WriteLine($"Wrote the audit section of {path}");
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

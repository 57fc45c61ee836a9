using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// FhirPortal throughput and latency benchmark: loads the Synthea fixtures into an in-process server, then runs each
// scenario for a fixed time at concurrency 1 and 16. Options: --duration <seconds per run> (default 6),
// --warmup <seconds> (default 1), --no-write (do not write BENCHMARKS.md), --keep-data (keep the SQLite folder),
// --operations-only (skip the read/search scenarios).
namespace FhirPortal.Benchmarks
{
    /// <summary>Entry point (not top-level statements: those would define a global Program hiding the server's).</summary>
    internal static class BenchmarkApp
    {
        public static async Task<int> Main(string[] args)
        {
            var options = Options.Parse(args);
            var root = RepoRoot();
            var fixtures = Path.GetFullPath(Path.Combine(root, "..", "shared", "fixtures", "synthea"));
            if (!Directory.Exists(fixtures))
            {
                Console.Error.WriteLine($"Fixtures not found at {fixtures} (see ../shared/fixtures/README.md).");
                return 2;
            }

            using var host = new BenchmarkHost(root) { KeepData = options.KeepData };
            using var client = host.CreateFhirClient();
            (await client.GetAsync("metadata")).EnsureSuccessStatusCode();

            // Ingest, in the order ../shared/fixtures/README.md requires.
            var providerFiles = new[] { "hospitalInformation1625911868739.json", "practitionerInformation1625911868739.json" };
            var patientFiles = Directory.GetFiles(fixtures, "*.json").Select(Path.GetFileName).Where(f => !providerFiles.Contains(f)).Order(StringComparer.Ordinal).ToList();
            var ingest = new List<(string File, int Resources, double Seconds)>();
            var patients = new List<PatientInfo>();
            Console.WriteLine($"Loading {providerFiles.Length + patientFiles.Count} bundles from {fixtures} ...");
            foreach (var file in providerFiles.Concat(patientFiles!))
            {
                var text = await File.ReadAllTextAsync(Path.Combine(fixtures, file!));
                var bundle = JsonNode.Parse(text)!;
                var entries = bundle["entry"]!.AsArray();
                var sw = Stopwatch.StartNew();
                using var response = await client.PostAsync("", new StringContent(text, Encoding.UTF8, "application/fhir+json"));
                var body = await response.Content.ReadAsStringAsync();
                sw.Stop();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{file}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}");
                ingest.Add((file!, entries.Count, sw.Elapsed.TotalSeconds));
                if (bundle["type"]!.GetValue<string>() == "transaction") patients.Add(PatientInfo.From(entries, JsonNode.Parse(body)!));
            }
            var ingestResources = ingest.Sum(i => i.Resources);
            var ingestSeconds = ingest.Sum(i => i.Seconds);
            Console.WriteLine($"Ingest: {ingestResources:N0} resources in {ingestSeconds:F1} s = {ingestResources / ingestSeconds:N0} resources/s");

            // Ids to read: every patient, and up to 50 Observations of each.
            var readIds = patients.SelectMany(p => p.ObservationIds.Take(50).Select(id => "Observation/" + id).Prepend("Patient/" + p.Id)).ToArray();
            var rotating = patients.Where(p => p.TopCode is not null).ToArray();

            var scenarios = new List<Scenario>
            {
                new("read by id", i => readIds[i % readIds.Length], Target.Read),
                new("Observation?patient&code", i => { var p = rotating[i % rotating.Length]; return $"Observation?patient={p.Id}&code=http://loinc.org|{p.TopCode}"; }, Target.PatientSearch),
                new("Observation?patient&category&date&_sort", i => $"Observation?patient={rotating[i % rotating.Length].Id}&category=vital-signs&date=ge2015-01-01&_sort=-date", Target.PatientSearch),
                new("chained subject:Patient.name", i => $"Observation?subject:Patient.name={Uri.EscapeDataString(rotating[i % rotating.Length].Family)}", Target.None),
                new("Encounter?patient&_revinclude", i => $"Encounter?patient={rotating[i % rotating.Length].Id}&_revinclude=Observation:encounter", Target.PatientSearch),
                new("Observation?patient&_summary=count", i => $"Observation?patient={rotating[i % rotating.Length].Id}&_summary=count", Target.PatientSearch),
            };

            // Sanity check: each scenario answers 200 with results and no "ignored parameters" outcome.
            foreach (var scenario in scenarios)
            {
                using var response = await client.GetAsync(scenario.Url(0));
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{scenario.Name}: {(int)response.StatusCode} {body}");
                var json = JsonNode.Parse(body)!;
                if (json["resourceType"]!.GetValue<string>() == "Bundle")
                {
                    var entries = json["entry"] as JsonArray ?? [];
                    if (entries.Any(e => e!["search"]?["mode"]?.GetValue<string>() == "outcome"))
                        throw new InvalidOperationException($"{scenario.Name}: the server ignored parameters: {body}");
                    Console.WriteLine($"  {scenario.Name}: {entries.Count} entries{(json["total"] is { } t ? $", total {t}" : "")}  ({scenario.Url(0)})");
                }
            }

            var results = new List<Result>();
            Console.WriteLine();
            Console.WriteLine(Result.Header);
            foreach (var scenario in options.OperationsOnly ? [] : scenarios)
                foreach (var concurrency in new[] { 1, 16 })
                {
                    await Runner.RunAsync(client, scenario, concurrency, TimeSpan.FromSeconds(options.Warmup));
                    var result = await Runner.RunAsync(client, scenario, concurrency, TimeSpan.FromSeconds(options.Duration));
                    results.Add(result);
                    Console.WriteLine(result.Row);
                }

            Console.WriteLine();
            var operations = await OperationBenchmarks.RunAsync(client, patients.Select(p => (p.Id, p.Resources)).ToList(), options);

            if (options.Write)
            {
                var path = Path.Combine(root, "BENCHMARKS.md");
                await File.WriteAllTextAsync(path, Report.Markdown(root, options, ingestResources, ingestSeconds, ingest, results) + "\n" + operations);
                Console.WriteLine($"\nWrote {path}");
            }
            if (options.KeepData) Console.WriteLine($"Data kept in {host.DataDirectory}");
            return results.Any(r => r.Errors > 0) ? 1 : 0;
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }
    }

    internal sealed record Options(double Duration, double Warmup, bool Write, bool KeepData, bool OperationsOnly = false)
    {
        public static Options Parse(string[] args)
        {
            double duration = 6, warmup = 1;
            var write = true;
            var keep = false;
            var operationsOnly = false;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--duration": duration = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--warmup": warmup = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--no-write": write = false; break;
                    case "--keep-data": keep = true; break;
                    case "--operations-only": operationsOnly = true; break;
                    default: throw new ArgumentException($"Unknown option {args[i]}; use --duration s, --warmup s, --no-write, --keep-data.");
                }
            }
            return new Options(duration, warmup, write, keep, operationsOnly);
        }
    }

    /// <summary>One loaded patient: its server id, family name, Observation ids and most frequent Observation code.</summary>
    internal sealed record PatientInfo(string Id, string Family, string? TopCode, List<string> ObservationIds, int Resources)
    {
        public static PatientInfo From(JsonArray requestEntries, JsonNode response)
        {
            var responses = response["entry"]!.AsArray();
            string? patientId = null, family = null;
            var observationIds = new List<string>();
            var codes = new Dictionary<string, int>();
            for (var i = 0; i < requestEntries.Count; i++)
            {
                var resource = requestEntries[i]!["resource"]!;
                var location = responses[i]!["response"]!["location"]!.GetValue<string>(); // Type/id/_history/v
                var id = location.Split('/')[1];
                switch (resource["resourceType"]!.GetValue<string>())
                {
                    case "Patient":
                        patientId = id;
                        family = resource["name"]![0]!["family"]!.GetValue<string>();
                        break;
                    case "Observation":
                        observationIds.Add(id);
                        var code = resource["code"]?["coding"]?[0]?["code"]?.GetValue<string>();
                        if (code is not null) codes[code] = codes.GetValueOrDefault(code) + 1;
                        break;
                }
            }
            var top = codes.Count == 0 ? null : codes.MaxBy(c => c.Value).Key;
            return new PatientInfo(patientId!, family!, top, observationIds, requestEntries.Count);
        }
    }

    internal enum Target { None, Read, PatientSearch }

    internal sealed record Scenario(string Name, Func<int, string> Url, Target Target);

    internal sealed record Result(string Scenario, int Concurrency, long Requests, long Errors, double Seconds, double P50, double P99, Target Target)
    {
        public double PerSecond => Requests / Seconds;

        public string Verdict => Target switch
        {
            Target.Read when Concurrency == 16 => PerSecond >= 4000 && P99 < 5 ? "meets" : "misses",
            Target.Read => P99 < 5 ? "meets (p99)" : "misses",
            Target.PatientSearch => P99 < 20 ? "meets" : "misses",
            _ => "",
        };

        public const string Header = "| scenario | concurrency | requests/s | p50 ms | p99 ms | errors | vs target |";
        public const string Rule = "| --- | ---: | ---: | ---: | ---: | ---: | --- |";

        public string Row => string.Create(CultureInfo.InvariantCulture,
            $"| {Scenario} | {Concurrency} | {PerSecond:N0} | {P50:F2} | {P99:F2} | {Errors} | {Verdict} |");
    }

    internal static class Runner
    {
        /// <summary>Runs <paramref name="concurrency"/> closed-loop workers for <paramref name="duration"/>.</summary>
        public static async Task<Result> RunAsync(HttpClient client, Scenario scenario, int concurrency, TimeSpan duration)
        {
            var counter = -1;
            long errors = 0;
            var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var start = Stopwatch.GetTimestamp();
            var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                var latencies = new List<double>(4096);
                while (Stopwatch.GetTimestamp() < stop)
                {
                    var url = scenario.Url(Interlocked.Increment(ref counter));
                    var t0 = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead);
                    var t1 = Stopwatch.GetTimestamp();
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                    latencies.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
                }
                return latencies;
            })).ToList();
            var all = (await Task.WhenAll(workers)).SelectMany(l => l).ToArray();
            var seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
            Array.Sort(all);
            return new Result(scenario.Name, concurrency, all.Length, errors, seconds, Percentile(all, 0.50), Percentile(all, 0.99), scenario.Target);
        }

        private static double Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    internal static class Report
    {
        public static string Markdown(string root, Options options, int resources, double seconds,
            List<(string File, int Resources, double Seconds)> ingest, List<Result> results)
        {
            var md = new StringBuilder();
            md.AppendLine("# FhirPortal benchmarks");
            md.AppendLine();
            md.AppendLine("Produced by `dotnet run -c Release --project tests/FhirPortal.Benchmarks` (do not edit by hand; rerun it).");
            md.AppendLine("The server runs in process (ASP.NET Core TestServer via `WebApplicationFactory<Program>`, no sockets) on a");
            md.AppendLine("fresh SQLite data directory in the temp folder, loaded with `../shared/fixtures/synthea` (hospital batch,");
            md.AppendLine("practitioner batch, then the 19 patient transactions). Each scenario runs closed-loop workers (1 and 16)");
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"for {options.Duration:0.#} s after a {options.Warmup:0.#} s warm-up; latency is request to full response body, in the client."));
            md.AppendLine("Search scenarios rotate over the loaded patients (patient-scoped ones use each patient's most frequent");
            md.AppendLine("Observation code); read by id rotates over the Patients and up to 50 Observations per patient.");
            md.AppendLine();
            md.AppendLine("## Machine");
            md.AppendLine();
            md.AppendLine($"| | |\n| --- | --- |");
            md.AppendLine($"| CPU | {CpuModel()} |");
            md.AppendLine($"| cores (logical, visible to .NET) | {Environment.ProcessorCount} |");
            md.AppendLine($"| OS | {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}) |");
            md.AppendLine($"| .NET | {RuntimeInformation.FrameworkDescription} |");
            md.AppendLine($"| git commit | {Git(root, "rev-parse --short HEAD")}{(Git(root, "status --porcelain --untracked-files=no").Length > 0 ? " (with uncommitted changes)" : "")} |");
            md.AppendLine($"| date (UTC) | {DateTime.UtcNow:yyyy-MM-dd HH:mm} |");
            md.AppendLine();
            md.AppendLine("## Ingest");
            md.AppendLine();
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{resources:N0} resources in {ingest.Count} bundles, {seconds:F1} s in total: **{resources / seconds:N0} resources/s**."));
            md.AppendLine();
            md.AppendLine("| bundle | resources | seconds | resources/s |\n| --- | ---: | ---: | ---: |");
            foreach (var (file, count, s) in ingest)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| `{file}` | {count:N0} | {s:F2} | {count / s:N0} |"));
            md.AppendLine();
            md.AppendLine("## Searches and reads");
            md.AppendLine();
            md.AppendLine(Result.Header);
            md.AppendLine(Result.Rule);
            foreach (var r in results) md.AppendLine(r.Row);
            md.AppendLine();
            md.AppendLine("## Targets");
            md.AppendLine();
            md.AppendLine("* read by id: ≥ 4,000 requests/s with p99 < 5 ms on 2 cores (judged at concurrency 16 for throughput; p99 at both).");
            md.AppendLine("* patient-scoped searches (`patient=X` scenarios): p99 < 20 ms.");
            md.AppendLine("* the chained search has no target; it is listed for comparison.");
            return md.ToString();
        }

        private static string CpuModel()
        {
            try
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
            }
            catch (IOException) { return "unknown"; }
            catch (UnauthorizedAccessException) { return "unknown"; }
        }

        private static string Git(string root, string arguments)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo("git", arguments)
                {
                    WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                })!;
                var output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                return process.ExitCode == 0 ? output : "unknown";
            }
            catch (System.ComponentModel.Win32Exception) { return "unknown"; }
        }
    }
}

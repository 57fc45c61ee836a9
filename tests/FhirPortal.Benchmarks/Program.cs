// FhirPortal benchmark harness (issue 9). Not part of the test suite. Run from the repository root:
//
//   dotnet run -c Release --project tests/FhirPortal.Benchmarks [-- options]
//
// It starts the Release server (src/FhirPortal.Server, built by the command above) as a child process on a loopback
// port with SQLite in a temp folder, measures ingest / reads / searches / $everything / export and the physical-limit
// references (raw SQLite, raw JSON, raw HTTP), prints the tables and writes BENCHMARKS.md at the repository root.
// Needs ../shared/fixtures/synthea.
//
// Options:
//   --runs N                   runs per scenario; figures are medians, spreads over 15% flagged noisy (default 3)
//   --duration s               seconds per timed run (default 5)
//   --warmup s                 seconds of discarded warm-up before each timed run (default 1)
//   --patients N               generated patients posted at each ingest concurrency level (default 48)
//   --resources-per-patient N  size of each generated patient (default 150)
//   --warmup-patients N        generated patients of another seed posted untimed before each ingest level, or imported
//                              before each timed $import (default 12)
//   --levels 1,4,16            ingest concurrency levels (default 1,4,16); the raw SQLite reference follows the first,
//                              e.g. `-- --ingest-only --levels 4 --runs 1` for an A/B pair at the target's level
//   --large-patient N          resources of the large generated patient for $everything (default 10000)
//   --synthea-patients N       load only N Synthea patient bundles: the one nearest 1,000 resources and the smallest
//                              others (default: all 19)
//   --quick                    development run: 1 run, 2 s, 0.5 s warm-up, 8 patients of 100, large patient 3000,
//                              6 Synthea patients
//                              (explicit options after it still apply)
//   --no-validation            skip the in-process validation cost row
//   --validation-only          only the validation cost row (prints; does not write BENCHMARKS.md), e.g.
//                              `-- --validation-only --runs 1 --duration 10` after a change to validation
//   --indexing-only            only the search-indexing CPU per Synthea resource, compiled paths against the FhirPath
//                              interpreter, in process (prints; does not write BENCHMARKS.md), e.g. `-- --indexing-only --runs 3`
//   --ingest-only              only the generated-data ingest levels and their raw SQLite reference (prints; does not
//                              write BENCHMARKS.md), e.g. `-- --ingest-only --runs 1 --patients 16` while tuning writes
//   --skip-ingest              skip the generated-data ingest levels (Synthea load, reads, searches... still run)
//   --reads-only               only the Synthea load and the read-by-id rows with their raw HTTP and raw SQLite
//                              references (prints; does not write BENCHMARKS.md), e.g. `-- --reads-only --runs 3
//                              --synthea-patients 6` while tuning the read path
//   --server-root DIR          start the Release server of another checkout (built there first) for the Synthea load
//                              and everything after it, e.g. a worktree of an older commit for an A/B on this harness
//                              (prints; does not write BENCHMARKS.md)
//   --no-write                 print only; leave BENCHMARKS.md alone
//   --keep-data                keep the temp data folders (printed at the end)
//   --scheduling [--practitioners N] [--days N]
//                              instead of all the above: issue 19's $find/$book benchmark over N × days × 10 Slots
//                              (default 1,000 × 30 = 300,000); --runs/--duration/--warmup/--no-write apply; rewrites only
//                              its own section of BENCHMARKS.md, which full runs keep (see SchedulingBenchmark.cs)
//   --trends [--vitals N]      instead of all the above: issue 23's Observation/$lastn and $stats latencies over one
//                              patient with N vital signs (default 10,000); --runs/--duration/--warmup apply; prints only
//   --audit                    instead of all the above: issue 27's access-audit cost, read by id and a search with
//                              FhirPortal:Audit:Reads off and on (two servers, same data, same run); --runs/--duration/
//                              --warmup/--synthea-patients/--no-write apply; rewrites only its own section of BENCHMARKS.md
//                              --unaggregated: the audited server writes every access as its own AuditEvent
//                              (EntitiesPerEvent=2), the worst case of each access concerning a different patient; prints only
//   --subscriptions            instead of all the above: issue 20's FHIR write p50/p99 with 0 and 100 active rest-hook
//                              subscriptions to a local listener; --runs/--duration/--warmup apply; prints only
//   --notifications [--appointments N]
//                              instead of all the above: issue 20's reminder throughput, N appointments (default 100,000)
//                              due within one hour: reminders queued/s and sent+recorded/s to the file senders, in
//                              process; --no-write applies; rewrites only its own section of BENCHMARKS.md
//   --import                   instead of all the above: issue 25's Bulk Data $import of the generator's NDJSON for
//                              --patients patients (of --resources-per-patient) into an empty server, validation on and off,
//                              resources/s, server CPU ms/resource and the raw SQLite reference; --runs/--no-write apply;
//                              rewrites only its own section of BENCHMARKS.md (see ImportBenchmark.cs)
//   --cosmos [--count N]       instead of all the above: request units per interaction on the Cosmos store, on the
//                              local emulator (run tests/cosmos-emulator/install.sh first); see CosmosRequestUnits.cs
// The hand-written "Where the time goes" section comes from BENCHMARKS-profile.md (see ReportWriter).
namespace FhirPortal.Benchmarks
{
    /// <summary>Entry point (not top-level statements: those would define a global Program hiding the server's).</summary>
    internal static class BenchmarkApp
    {
        public static async Task<int> Main(string[] args)
        {
            if (args.Length > 0 && args[0] == RawHttpReference.ServeFlag) return await RawHttpReference.ServeAsync(args);
            if (args.Length > 0 && args[0] == "--cosmos")
            {
                await CosmosRequestUnits.RunAsync(args);
                return 0;
            }
            if (args.Length > 0 && args[0] == "--scheduling")
                return await SchedulingAsync(args[1..]);
            if (args.Length > 0 && args[0] == "--trends")
                return await TrendsAsync(args[1..]);
            if (args.Length > 0 && args[0] == "--audit")
                return await AuditAsync(args[1..]);
            if (args.Length > 0 && args[0] == "--subscriptions")
                return await SubscriptionsAsync(args[1..]);
            if (args.Length > 0 && args[0] == "--notifications")
                return await NotificationsAsync(args[1..]);
            if (args.Length > 0 && args[0] == "--import")
                return await InTempFolderAsync(args[1..], (options, temp) => ImportBenchmark.RunAsync(RepoRoot(), temp, options));
            BenchmarkOptions options;
            try { options = BenchmarkOptions.Parse(args); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var root = RepoRoot();
            var fixtures = Path.GetFullPath(Path.Combine(root, "..", "shared", "fixtures"));
            if (!Directory.Exists(Path.Combine(fixtures, "synthea")))
            {
                Console.Error.WriteLine($"Fixtures not found at {fixtures}/synthea (see ../shared/fixtures/README.md).");
                return 2;
            }

            if (options.IndexingOnly)
            {
                Console.WriteLine(IndexingCost.Measure(fixtures, options).Markdown());
                return 0;
            }

            if (options.ValidationOnly)
            {
                Console.WriteLine(ValidationCost.Measure(root, fixtures, options).Markdown());
                return 0;
            }

            var report = new ReportWriter(root, options);
            var targets = new Targets();
            var tables = new List<Table>();
            var temp = Path.Combine(Path.GetTempPath(), "fhirportal-bench", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            try
            {
                var ingest = options.SkipIngest ? IngestBenchmark.EmptyTable() : await IngestBenchmark.RunGeneratedAsync(options, root, temp, targets);
                tables.Add(ingest);
                if (options.IngestOnly)
                {
                    Console.WriteLine();
                    Console.WriteLine(targets.Table.Markdown());
                    return 0;
                }

                await using var server = await ServerProcess.StartFhirAsync(options.ServerRoot ?? root, Path.Combine(temp, "main"));
                using var load = new LoadGenerator(new Uri(server.BaseAddress, "fhir/"));
                Console.WriteLine("Loading the Synthea fixtures ...");
                var (synthea, patients) = await IngestBenchmark.LoadSyntheaAsync(load, server, Path.Combine(fixtures, "synthea"), options.SyntheaPatients);
                var syntheaRaw = RawSqliteReference.Capture(server.DatabasePath).MeasureIngest(Path.Combine(temp, "raw-synthea.db"), patients.Count + 2);
                ingest.Add($"Synthea fixtures, {patients.Count} patients (serial, 1 run)", "1", Fmt.N0(synthea.Rate), Fmt.F(synthea.P50), Fmt.F(synthea.P99), Fmt.Percent(synthea.ClientShare),
                    Fmt.Cpu(synthea.ServerCpuMs), Fmt.N0(RawSqliteReference.DiskBytesPerResource(server.DatabasePath)), "1", Fmt.Ratio(synthea.Rate, syntheaRaw.Rate), "");
                ingest.Add("raw SQLite (Synthea rows)", "1", Fmt.N0(syntheaRaw.Rate), Fmt.F(syntheaRaw.P50), Fmt.F(syntheaRaw.P99), "–", Stats.InProcessCpu([syntheaRaw]), "–", "1", "1.00", "");

                tables.AddRange(await QueryBenchmarks.RunAsync(load, server, patients, options, temp, targets));
                if (options.ReadsOnly)
                {
                    Console.WriteLine();
                    Console.WriteLine(tables[^1].Markdown());
                    Console.WriteLine(targets.Table.Markdown());
                    return 0;
                }

                Console.WriteLine($"Loading a generated patient of about {options.LargePatient:N0} resources ...");
                await EverythingBenchmark.LoadLargePatientAsync(load, server, options.LargePatient);
                var (exportRuns, exported, baselineMb) = await ExportBenchmark.RunAsync(load, server, options.Runs);
                var rawJsonRuns = Enumerable.Range(0, options.Runs).Select(_ => RawJsonReference.Measure(exported, options.DurationSpan)).ToList();
                var rawJson = Figure.Of(rawJsonRuns);
                var nearThousand = patients.MinBy(p => Math.Abs(p.Resources - 1000))!;
                tables.Add(await EverythingBenchmark.RunAsync(load, server,
                    [($"Synthea ~1,000 ({nearThousand.Resources:N0} entries)", nearThousand.Id, true), ($"generated ~{options.LargePatient:N0}", EverythingBenchmark.LargePatientId, false)],
                    options, rawJson, targets));
                tables.Add(ExportTable.Build(exportRuns, baselineMb, rawJsonRuns, targets));
                if (options.Validation) tables.Add(ValidationCost.Measure(root, fixtures, options));
            }
            finally
            {
                if (options.KeepData) Console.WriteLine($"Data kept in {temp}");
                else IngestBenchmark.DeleteQuietly(temp);
            }

            Console.WriteLine();
            Console.WriteLine(targets.Table.Markdown());
            if (options.Write)
            {
                var path = Path.Combine(root, "BENCHMARKS.md");
                await File.WriteAllTextAsync(path, report.Markdown(tables, targets) + SchedulingBenchmark.Section.Existing(path) + AuditBenchmark.Existing(path)
                    + NotificationBenchmark.Existing(path) + ImportBenchmark.Existing(path));
                Console.WriteLine($"Wrote {path}");
            }
            return 0;
        }

        private static async Task<int> SchedulingAsync(string[] args)
        {
            int Take(string name, int fallback)
            {
                var i = Array.IndexOf(args, name);
                if (i < 0) return fallback;
                var value = i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n > 0 ? n : throw new ArgumentException($"{name} needs a positive whole number.");
                args = [.. args[..i], .. args[(i + 2)..]];
                return value;
            }
            BenchmarkOptions options;
            int practitioners, days;
            try
            {
                (practitioners, days) = (Take("--practitioners", 1000), Take("--days", 30));
                options = BenchmarkOptions.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var temp = Path.Combine(Path.GetTempPath(), "fhirportal-bench", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            try { await SchedulingBenchmark.RunAsync(RepoRoot(), temp, options, practitioners, days); }
            finally
            {
                if (options.KeepData) Console.WriteLine($"Data kept in {temp}");
                else IngestBenchmark.DeleteQuietly(temp);
            }
            return 0;
        }

        private static async Task<int> TrendsAsync(string[] args)
        {
            var i = Array.IndexOf(args, "--vitals");
            var vitals = 10_000;
            if (i >= 0 && (i + 1 >= args.Length || !int.TryParse(args[i + 1], out vitals) || vitals <= 0))
            {
                Console.Error.WriteLine("--vitals needs a positive whole number.");
                return 2;
            }
            if (i >= 0) args = [.. args[..i], .. args[(i + 2)..]];
            BenchmarkOptions options;
            try { options = BenchmarkOptions.Parse(args); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var temp = Path.Combine(Path.GetTempPath(), "fhirportal-bench", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            try { await TrendsBenchmark.RunAsync(RepoRoot(), temp, options, vitals); }
            finally
            {
                if (options.KeepData) Console.WriteLine($"Data kept in {temp}");
                else IngestBenchmark.DeleteQuietly(temp);
            }
            return 0;
        }

        private static Task<int> AuditAsync(string[] args) =>
            InTempFolderAsync(args, (options, temp) =>
            {
                var root = RepoRoot();
                return AuditBenchmark.RunAsync(root, Path.GetFullPath(Path.Combine(root, "..", "shared", "fixtures")), temp, options);
            });

        private static Task<int> SubscriptionsAsync(string[] args) =>
            InTempFolderAsync(args, (options, temp) => SubscriptionsBenchmark.RunAsync(RepoRoot(), temp, options));

        private static Task<int> NotificationsAsync(string[] args)
        {
            var i = Array.IndexOf(args, "--appointments");
            var appointments = 100_000;
            if (i >= 0 && (i + 1 >= args.Length || !int.TryParse(args[i + 1], out appointments) || appointments <= 0))
            {
                Console.Error.WriteLine("--appointments needs a positive whole number.");
                return Task.FromResult(2);
            }
            if (i >= 0) args = [.. args[..i], .. args[(i + 2)..]];
            return InTempFolderAsync(args, (options, temp) => NotificationBenchmark.RunAsync(RepoRoot(), temp, options, appointments));
        }

        /// <summary>Parses the common options and runs <paramref name="run"/> in a new temp folder, deleted after unless kept.</summary>
        private static async Task<int> InTempFolderAsync(string[] args, Func<BenchmarkOptions, string, Task> run)
        {
            BenchmarkOptions options;
            try { options = BenchmarkOptions.Parse(args); }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                return 2;
            }
            var temp = Path.Combine(Path.GetTempPath(), "fhirportal-bench", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            try { await run(options, temp); }
            finally
            {
                if (options.KeepData) Console.WriteLine($"Data kept in {temp}");
                else IngestBenchmark.DeleteQuietly(temp);
            }
            return 0;
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }
    }
}

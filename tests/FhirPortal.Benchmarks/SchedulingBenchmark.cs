using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Issue 19's benchmark (<c>--scheduling</c>): a schedule of <c>--practitioners</c> × <c>--days</c> × 10 free Slots
/// (default 1,000 × 30 = 300,000) loaded through transaction Bundles (one per practitioner: its Schedule and Slots), then
/// <c>Appointment/$find</c> p50/p99 for one practitioner's week and for every practitioner's day (first page), and
/// <c>Appointment/$book</c> bookings/s at concurrency 1 and 16, each booking a different free slot for a different patient.
/// Writes its section of BENCHMARKS.md (kept by full runs: <see cref="Section"/>).
/// </summary>
internal static class SchedulingBenchmark
{
    private const int SlotsPerDay = 10;
    private static readonly int[] BookLevels = [1, 16];

    public static async Task RunAsync(string root, string temp, BenchmarkOptions options, int practitioners, int days)
    {
        var started = DateTime.UtcNow;
        await using var server = await ServerProcess.StartFhirAsync(root, Path.Combine(temp, "scheduling"));
        using var load = new LoadGenerator(new Uri(server.BaseAddress, "fhir/"));
        // Slots from tomorrow 08:00 UTC, every 30 minutes, SlotsPerDay a day: always beyond the 2-hour lead time.
        var day0 = DateTime.UtcNow.Date.AddDays(1);
        Console.WriteLine($"Loading {practitioners:N0} schedules of {days * SlotsPerDay} slots ({practitioners * days * SlotsPerDay:N0} slots) ...");
        var loadSample = await load.ForCountAsync(2, practitioners, (client, p, buffers) => PostScheduleAsync(client, p, days, day0, buffers), server);
        if (loadSample.Errors > 0) throw new InvalidOperationException($"Loading failed: {loadSample.FirstError}");
        Console.WriteLine(Invariant($"  loaded in {loadSample.Seconds:F0} s ({practitioners * days * SlotsPerDay / loadSample.Seconds:N0} slots/s)"));

        var fhir = load.Client.BaseAddress!;
        var week = Enumerable.Range(0, 200).Select(i => new Uri(fhir,
            $"Appointment/$find?practitioner=bp-{i * 7919 % practitioners}&start={Date(day0.AddDays(i % Math.Max(1, days - 7)))}&end={Date(day0.AddDays(i % Math.Max(1, days - 7) + 7))}")).ToArray();
        var oneDay = Enumerable.Range(0, days).Select(d => new Uri(fhir, $"Appointment/$find?start={Date(day0.AddDays(d))}&end={Date(day0.AddDays(d + 1))}")).ToArray();
        (string Name, Uri[] Uris)[] finds = [("one practitioner, one week", week), ("all practitioners, one day (first page of 20)", oneDay)];
        foreach (var (_, uris) in finds)
        {
            var check = await load.Client.GetAsync(uris[0]);
            var body = await check.Content.ReadAsStringAsync();
            if (check.StatusCode != HttpStatusCode.OK || !body.Contains("\"Appointment\"", StringComparison.Ordinal))
                throw new InvalidOperationException($"{uris[0]}: {(int)check.StatusCode} {body[..Math.Min(body.Length, 500)]}");
        }

        var table = new Table("Scheduling (issue 19)",
            Invariant($"{practitioners:N0} practitioners × {days} days × {SlotsPerDay} slots = {practitioners * days * SlotsPerDay:N0} free Slots on SQLite, loaded as one transaction per practitioner ({loadSample.Seconds:F0} s). ") +
            "`$find` at concurrency 1 (latency per request); `$book` of a proposal (`appointment-resource`), each request a different free slot and patient. Target: `$find` p99 < 50 ms, ≥ 500 bookings/s.",
            "scenario", "concurrency", "requests/s", "p50 ms", "p99 ms", "server CPU ms/request", "runs (spread)", "target");
        var nextSlot = 0;
        foreach (var (name, uris) in finds)
        {
            var samples = new List<Sample>();
            for (var run = 0; run < options.Runs; run++)
            {
                await load.ForDurationAsync(1, options.WarmupSpan, LoadGenerator.Get(uris), server);
                samples.Add(await load.ForDurationAsync(1, options.DurationSpan, LoadGenerator.Get(uris), server));
            }
            var f = Figure.Of(samples);
            table.Add($"`$find` {name}", "1", Fmt.N0(f.Rate), Fmt.F(f.P50), Fmt.F(f.P99), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f), Fmt.Verdict(f.P99 < 50, "p99 < 50 ms"));
        }
        foreach (var c in BookLevels)
        {
            var samples = new List<Sample>();
            for (var run = 0; run < options.Runs; run++)
            {
                var first = nextSlot;
                var sample = await load.ForDurationAsync(c, options.DurationSpan, (client, i, buffers) => BookAsync(client, first + i, practitioners, days, buffers), server);
                nextSlot = first + (int)sample.Count + c;
                if (sample.Errors > 0) Console.WriteLine($"  $book errors: {sample.Errors} ({sample.FirstError})");
                samples.Add(sample);
            }
            var f = Figure.Of(samples);
            table.Add("`$book`", c.ToString(CultureInfo.InvariantCulture), Fmt.N0(f.Rate), Fmt.F(f.P50), Fmt.F(f.P99), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f), Fmt.Verdict(f.Rate >= 500, "≥ 500/s"));
        }

        var md = new StringBuilder();
        md.AppendLine(table.Markdown().TrimEnd()).AppendLine();
        md.AppendLine(Invariant($"Measured {started:yyyy-MM-dd HH:mm} UTC by `dotnet run -c Release --project tests/FhirPortal.Benchmarks -- --scheduling{(options.Runs != 3 ? $" --runs {options.Runs}" : "")}{(options.Duration != 5 ? $" --duration {options.Duration}" : "")}{(practitioners != 1000 ? $" --practitioners {practitioners}" : "")}{(days != 30 ? $" --days {days}" : "")}` ") +
                      Invariant($"on {Environment.ProcessorCount} cores shared with other work (1-minute load average {ReportWriter.LoadAverage():F1} at the end): the figures are noisy."));
        Console.WriteLine(md);
        if (options.Write) Section.Write(Path.Combine(root, "BENCHMARKS.md"), md.ToString());
    }

    /// <summary>One practitioner's Schedule and Slots as one transaction (ids <c>bp-{p}</c>, <c>bs-{p}-{n}</c>).</summary>
    private static async ValueTask<long> PostScheduleAsync(HttpClient client, int p, int days, DateTime day0, WorkerBuffers buffers)
    {
        var entries = new JsonArray
        {
            Put(new JsonObject
            {
                ["resourceType"] = "Schedule", ["id"] = $"bp-{p}", ["active"] = true,
                ["actor"] = new JsonArray(new JsonObject { ["reference"] = $"Practitioner/bp-{p}" }),
            }),
        };
        for (var n = 0; n < days * SlotsPerDay; n++)
        {
            var start = day0.AddDays(n / SlotsPerDay).AddHours(8).AddMinutes(30 * (n % SlotsPerDay));
            entries.Add(Put(new JsonObject
            {
                ["resourceType"] = "Slot", ["id"] = $"bs-{p}-{n}",
                ["schedule"] = new JsonObject { ["reference"] = $"Schedule/bp-{p}" },
                ["status"] = "free",
                ["start"] = start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["end"] = start.AddMinutes(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            }));
        }
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries };
        using var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = Body(bundle) };
        request.Headers.Add("Prefer", "return=minimal");
        using var response = await client.SendAsync(request);
        var bytes = await LoadGenerator.Drain(response, buffers);
        return response.IsSuccessStatusCode ? bytes : throw new RequestFailedException(response.StatusCode, new Uri(client.BaseAddress!, "(transaction)"));
    }

    /// <summary>Books slot number <paramref name="i"/> (spread over practitioners, then days) for patient <c>bpat-{i}</c>.</summary>
    private static async ValueTask<long> BookAsync(HttpClient client, int i, int practitioners, int days, WorkerBuffers buffers)
    {
        var slot = $"bs-{i % practitioners}-{i / practitioners % (days * SlotsPerDay)}";
        var proposal = new JsonObject
        {
            ["resourceType"] = "Appointment", ["status"] = "proposed",
            ["slot"] = new JsonArray(new JsonObject { ["reference"] = $"Slot/{slot}" }),
            ["participant"] = new JsonArray(new JsonObject { ["actor"] = new JsonObject { ["reference"] = $"Patient/bpat-{i}" }, ["status"] = "accepted" }),
        };
        var parameters = new JsonObject
        {
            ["resourceType"] = "Parameters",
            ["parameter"] = new JsonArray(new JsonObject { ["name"] = "appointment-resource", ["resource"] = proposal }),
        };
        using var response = await client.PostAsync("Appointment/$book", Body(parameters));
        var bytes = await LoadGenerator.Drain(response, buffers);
        return response.IsSuccessStatusCode ? bytes : throw new RequestFailedException(response.StatusCode, new Uri(client.BaseAddress!, $"Appointment/$book ({slot})"));
    }

    private static JsonObject Put(JsonObject resource) => new()
    {
        ["resource"] = resource,
        ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"{resource["resourceType"]}/{resource["id"]}" },
    };

    private static StringContent Body(JsonObject json) => new(json.ToJsonString(), Encoding.UTF8, "application/fhir+json");

    private static string Date(DateTime day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The scheduling section of BENCHMARKS.md, between markers, so a full run of the harness carries it over.</summary>
    public static class Section
    {
        private const string Start = "<!-- scheduling benchmark: written by --scheduling, kept by full runs -->";
        private const string End = "<!-- end of scheduling benchmark -->";

        public static void Write(string path, string body)
        {
            var text = File.Exists(path) ? File.ReadAllText(path) : "";
            var section = $"{Start}\n{body.TrimEnd()}\n{End}\n";
            var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
            text = from >= 0 && to > from ? text[..from] + section + text[(to + End.Length)..].TrimStart('\n') : text.TrimEnd() + "\n\n" + section;
            File.WriteAllText(path, text);
            Console.WriteLine($"Wrote the scheduling section of {path}");
        }

        /// <summary>The section as it stands in <paramref name="path"/>, or empty.</summary>
        public static string Existing(string path)
        {
            if (!File.Exists(path)) return "";
            var text = File.ReadAllText(path);
            var (from, to) = (text.IndexOf(Start, StringComparison.Ordinal), text.IndexOf(End, StringComparison.Ordinal));
            return from >= 0 && to > from ? text[from..(to + End.Length)] + "\n" : "";
        }
    }
}

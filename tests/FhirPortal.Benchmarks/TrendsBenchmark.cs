using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Issue 23's trends benchmark (<c>--trends</c>): one patient with <c>--vitals</c> vital-sign Observations (default
/// 10,000: eight codes in turn, one a blood-pressure panel with systolic/diastolic components, one every 3 hours back
/// from now), loaded in transactions of 500, then <c>Observation/$lastn</c> and <c>$stats</c> p50/p99 at concurrency 1.
/// Prints its table; BENCHMARKS.md is left alone.
/// </summary>
internal static class TrendsBenchmark
{
    private const string Patient = "trend-bench";
    private const int PerTransaction = 500;

    /// <summary>(LOINC, display, UCUM unit, base value); 85354-9 is the panel, its value the systolic.</summary>
    private static readonly (string Code, string Display, string Unit, decimal Base)[] Codes =
    [
        ("29463-7", "Body weight", "kg", 70), ("8302-2", "Body height", "cm", 175), ("8867-4", "Heart rate", "/min", 65),
        ("9279-1", "Respiratory rate", "/min", 14), ("8310-5", "Body temperature", "Cel", 36.8m), ("59408-5", "SpO2", "%", 97),
        ("39156-5", "BMI", "kg/m2", 23), ("85354-9", "Blood pressure panel", "mm[Hg]", 120),
    ];

    public static async Task RunAsync(string root, string temp, BenchmarkOptions options, int vitals)
    {
        await using var server = await ServerProcess.StartFhirAsync(root, Path.Combine(temp, "trends"));
        using var load = new LoadGenerator(new Uri(server.BaseAddress, "fhir/"));
        var now = DateTime.UtcNow;
        // The portal's Patient profile asks for a medical record number, a name, a gender and a birth date.
        var patient = new JsonObject
        {
            ["resourceType"] = "Patient", ["id"] = Patient, ["gender"] = "female", ["birthDate"] = "1970-01-01",
            ["name"] = new JsonArray(new JsonObject { ["family"] = "Trend", ["given"] = new JsonArray("Bench") }),
            ["identifier"] = new JsonArray(new JsonObject
            {
                ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/v2-0203", ["code"] = "MR" }) },
                ["system"] = "urn:fhirportal:bench:mrn", ["value"] = Patient,
            }),
        };
        var put = await load.Client.PutAsync($"Patient/{Patient}", Body(patient));
        if (!put.IsSuccessStatusCode) throw new InvalidOperationException($"Patient: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        Console.WriteLine($"Loading {vitals:N0} vital signs of one patient ...");
        var batches = (vitals + PerTransaction - 1) / PerTransaction;
        var loaded = await load.ForCountAsync(2, batches, (client, b, buffers) => PostBatchAsync(client, b, vitals, now, buffers), server);
        if (loaded.Errors > 0) throw new InvalidOperationException($"Loading failed: {loaded.FirstError}");
        Console.WriteLine(Invariant($"  loaded in {loaded.Seconds:F0} s"));

        var fhir = load.Client.BaseAddress!;
        (string Name, Uri Uri)[] scenarios =
        [
            ("`$lastn` every vital sign (category, max 1: reads all matches)", new Uri(fhir, $"Observation/$lastn?patient={Patient}&category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs")),
            ("`$lastn` two codes, max 3 (one indexed query per code)", new Uri(fhir, $"Observation/$lastn?patient={Patient}&code=http://loinc.org|29463-7,http://loinc.org|8867-4&max=3")),
            ("`$stats` weight, all time, 9 statistics", new Uri(fhir, $"Observation/$stats?subject=Patient/{Patient}&code=29463-7&system=http://loinc.org&statistic=count,min,max,mean,median,stddev,sum,first,last")),
            ("`$stats` blood pressure components, last 90 days", new Uri(fhir, $"Observation/$stats?subject=Patient/{Patient}&code=85354-9&duration=90&statistic=count,mean,min,max")),
        ];
        foreach (var (_, uri) in scenarios)
        {
            var check = await load.Client.GetAsync(uri);
            if (check.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"{uri}: {(int)check.StatusCode} {await check.Content.ReadAsStringAsync()}");
        }

        var table = new Table("Health trends (issue 23)",
            Invariant($"One patient with {vitals:N0} vital-sign Observations ({Codes.Length} codes, blood pressure as a panel with 2 components) on SQLite. ") +
            "Concurrency 1 (latency per request).",
            "scenario", "requests/s", "p50 ms", "p99 ms", "server CPU ms/request", "runs (spread)");
        foreach (var (name, uri) in scenarios)
        {
            var samples = new List<Sample>();
            for (var run = 0; run < options.Runs; run++)
            {
                await load.ForDurationAsync(1, options.WarmupSpan, LoadGenerator.Get([uri]), server);
                samples.Add(await load.ForDurationAsync(1, options.DurationSpan, LoadGenerator.Get([uri]), server));
            }
            var f = Figure.Of(samples);
            table.Add(name, Fmt.N0(f.Rate), Fmt.F(f.P50), Fmt.F(f.P99), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f));
        }
        Console.WriteLine(table.Markdown());
        Console.WriteLine(Invariant($"{Environment.ProcessorCount} cores shared with other work (1-minute load average {ReportWriter.LoadAverage():F1} at the end)."));
    }

    /// <summary>Observations <c>b × 500</c> onwards: code <c>i % 8</c>, one every 3 hours back from now.</summary>
    private static async ValueTask<long> PostBatchAsync(HttpClient client, int b, int vitals, DateTime now, WorkerBuffers buffers)
    {
        var entries = new JsonArray();
        for (var i = b * PerTransaction; i < Math.Min(vitals, (b + 1) * PerTransaction); i++)
            entries.Add(new JsonObject
            {
                ["resource"] = Vital(i, now.AddHours(-3 * i)),
                ["request"] = new JsonObject { ["method"] = "PUT", ["url"] = $"Observation/tb-{i}" },
            });
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries };
        using var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = Body(bundle) };
        request.Headers.Add("Prefer", "return=minimal");
        using var response = await client.SendAsync(request);
        var bytes = await LoadGenerator.Drain(response, buffers);
        return response.IsSuccessStatusCode ? bytes : throw new RequestFailedException(response.StatusCode, new Uri(client.BaseAddress!, "(transaction)"));
    }

    private static JsonObject Vital(int i, DateTime when)
    {
        var (code, display, unit, value) = Codes[i % Codes.Length];
        var observation = new JsonObject
        {
            ["resourceType"] = "Observation", ["id"] = $"tb-{i}", ["status"] = "final",
            ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "vital-signs" }) }),
            ["code"] = Code(code, display),
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{Patient}" },
            ["effectiveDateTime"] = when.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        var jitter = i % 7 - 3;
        if (code == "85354-9")
            observation["component"] = new JsonArray(
                new JsonObject { ["code"] = Code("8480-6", "Systolic"), ["valueQuantity"] = Quantity(value + jitter, unit) },
                new JsonObject { ["code"] = Code("8462-4", "Diastolic"), ["valueQuantity"] = Quantity(80 + jitter, unit) });
        else
            observation["valueQuantity"] = Quantity(value + jitter * 0.1m, unit);
        return observation;
    }

    private static JsonObject Code(string code, string display) =>
        new() { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = code, ["display"] = display }) };

    private static JsonObject Quantity(decimal value, string unit) =>
        new() { ["value"] = value, ["unit"] = unit, ["system"] = "http://unitsofmeasure.org", ["code"] = unit };

    private static StringContent Body(JsonObject json) => new(json.ToJsonString(), Encoding.UTF8, "application/fhir+json");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

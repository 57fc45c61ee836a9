using System.Text.Json;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;

namespace FhirPortal.Benchmarks;

/// <summary>
/// <c>Patient/{id}/$everything</c> for the Synthea patient nearest 1,000 resources and a large generated patient: one
/// operation = the whole record at <c>_count=1000</c>, following every next link.
/// </summary>
internal static class EverythingBenchmark
{
    public static readonly int[] Levels = [1, 16];

    public const string LargePatientId = "bench-large";

    /// <summary>Posts a FhirPortal.DataGen patient of about <paramref name="resources"/> resources (shared directory first) under a fixed id.</summary>
    public static async Task LoadLargePatientAsync(LoadGenerator load, ServerProcess server, int resources)
    {
        var options = new GeneratorOptions { Seed = 10_000, Patients = 1, ResourcesPerPatient = resources, AsOf = IngestBenchmark.AsOf, FirstPatientId = LargePatientId };
        var bundles = new[] { TransactionBundles.Shared(options), TransactionBundles.Patient(new PatientGenerator(options).Generate(0)) }
            .Select(b => new IngestBenchmark.PostedBundle("", FhirJson.ToBytes(b), b.Entry.Count)).ToList();
        var sample = await load.ForCountAsync(1, bundles.Count, IngestBenchmark.Post(bundles), server);
        if (sample.Errors > 0) throw new InvalidOperationException($"Loading the large patient: {sample.FirstError}");
    }

    /// <param name="patients">Label, id, and whether the ≥ 25/s target (for ~1,000 resources) applies.</param>
    public static async Task<Table> RunAsync(LoadGenerator load, ServerProcess server, IReadOnlyList<(string Label, string Id, bool Target)> patients,
        BenchmarkOptions options, Figure rawJson, Targets targets)
    {
        var table = new Table("$everything",
            "One operation = the patient's whole record: `Patient/{id}/$everything?_count=1000` and every next link (the client scans " +
            "only the Bundle's links, not its entries). MB/s is response bytes per second over all workers; the ratio compares it with " +
            "the raw JSON read+write rate on every core.",
            "patient", "resources", "concurrency", "records/s", "p50 ms", "p99 ms", "MB/s", "load generator CPU", "server CPU ms/record", "runs (spread)", "MB/s vs raw JSON", "target");
        foreach (var (label, id, target) in patients)
        {
            var first = new Uri(load.Client.BaseAddress!, $"Patient/{id}/$everything?_count=1000");
            var resources = await CountAsync(load.Client, first);
            foreach (var c in Levels)
            {
                var runs = new List<Sample>();
                for (var run = 0; run < options.Runs; run++) runs.Add(await QueryBenchmarks.MeasureAsync(load, c, Everything(first), server, options));
                var f = Figure.Of(runs);
                table.Add(label, Fmt.N0(resources), c.ToString(), Fmt.F(f.Rate), Fmt.F(f.P50), Fmt.F(f.P99), Fmt.F(f.MBps), Fmt.Percent(f.ClientShare), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f),
                    Fmt.Ratio(f.MBps, rawJson.MBps), target ? Fmt.Verdict(f.Rate >= 25, "≥ 25/s") : "");
                if (target && c == Levels[^1]) targets.Judge($"$everything ≥ 25/s for ~1,000 resources (concurrency {c})", Fmt.F(f.Rate) + "/s", f.Rate >= 25, f.Noisy);
            }
        }
        return table;
    }

    private static Operation Everything(Uri first) => async (client, _, buffers) =>
    {
        long total = 0;
        for (var url = first; url is not null;)
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode) throw new RequestFailedException(response.StatusCode, url);
            buffers.Body.SetLength(0);
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(buffers.Body);
            total += buffers.Body.Length;
            url = NextLink(buffers.Body.GetBuffer().AsSpan(0, (int)buffers.Body.Length)) is { } next ? new Uri(next) : null;
        }
        return total;
    };

    /// <summary>The Bundle's next link; stops at "entry" (links come first in FHIR JSON), so pages are not parsed.</summary>
    private static string? NextLink(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            if (reader.ValueTextEquals("entry"u8)) return null;
            var isLink = reader.ValueTextEquals("link"u8);
            reader.Read();
            if (!isLink) { reader.Skip(); continue; }
            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                string? relation = null, url = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (name == "relation") relation = reader.GetString();
                    else if (name == "url") url = reader.GetString();
                    else reader.Skip();
                }
                if (relation == "next") return url;
            }
            return null;
        }
        return null;
    }

    /// <summary>Resources in the whole record (counted once, outside the timed runs).</summary>
    private static async Task<int> CountAsync(HttpClient client, Uri first)
    {
        var count = 0;
        for (var url = first; url is not null;)
        {
            var body = await client.GetByteArrayAsync(url);
            using var page = JsonDocument.Parse(body);
            count += page.RootElement.TryGetProperty("entry", out var entries) ? entries.GetArrayLength() : 0;
            url = NextLink(body) is { } next ? new Uri(next) : null;
        }
        return count;
    }
}

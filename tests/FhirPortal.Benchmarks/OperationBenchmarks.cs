using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;

namespace FhirPortal.Benchmarks;

/// <summary>
/// $everything (a ~1,000-resource Synthea patient, the largest Synthea patient, and a generated 10,000-resource
/// patient; each request reads the whole record at _count=1000 across its next links) and a Bulk Data system export of
/// everything loaded (kick-off to manifest, then every file downloaded), with the process's peak working set.
/// </summary>
internal static class OperationBenchmarks
{
    public static async Task<string> RunAsync(HttpClient client, IReadOnlyList<(string Id, int Resources)> patients, Options options)
    {
        var md = new StringBuilder();
        var generated = await GeneratePatientAsync(client, 10_000);
        var nearThousand = patients.OrderBy(p => Math.Abs(p.Resources - 1000)).First();
        var largest = patients.MaxBy(p => p.Resources);
        md.AppendLine("## $everything");
        md.AppendLine();
        md.AppendLine("One request = the patient's whole record: `Patient/{id}/$everything?_count=1000` and every next link.");
        md.AppendLine("MB/s is response bytes per second over all workers.");
        md.AppendLine();
        md.AppendLine("| patient | resources returned | concurrency | records/s | p50 ms | p99 ms | MB/s | vs target |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (label, id) in new[] { ($"Synthea ~1,000 ({nearThousand.Resources:N0} entries)", nearThousand.Id), ($"largest Synthea ({largest.Resources:N0} entries)", largest.Id), ("generated ~10,000-resource patient", generated) })
            foreach (var concurrency in new[] { 1, 16 })
            {
                await RecordLoopAsync(client, id, concurrency, TimeSpan.FromSeconds(options.Warmup));
                var (count, resources, bytes, latencies, seconds) = await RecordLoopAsync(client, id, concurrency, TimeSpan.FromSeconds(options.Duration));
                var perSecond = count / seconds;
                var verdict = id == nearThousand.Id ? (perSecond >= 25 ? "meets (≥ 25/s)" : "misses (≥ 25/s)") : "";
                var row = string.Create(CultureInfo.InvariantCulture,
                    $"| {label} | {resources:N0} | {concurrency} | {perSecond:N1} | {Percentile(latencies, 0.5):F1} | {Percentile(latencies, 0.99):F1} | {bytes / seconds / 1e6:N1} | {verdict} |");
                Console.WriteLine(row);
                md.AppendLine(row);
            }
        md.AppendLine();
        md.AppendLine(await ExportAsync(client));
        return md.ToString();
    }

    private static async Task<(int Count, int Resources, long Bytes, double[] Latencies, double Seconds)> RecordLoopAsync(
        HttpClient client, string patient, int concurrency, TimeSpan duration)
    {
        var stop = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        long bytes = 0;
        var resources = 0;
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            while (Stopwatch.GetTimestamp() < stop)
            {
                var t0 = Stopwatch.GetTimestamp();
                var found = 0;
                for (string? url = $"Patient/{patient}/$everything?_count=1000"; url is not null;)
                {
                    var body = await client.GetByteArrayAsync(url);
                    Interlocked.Add(ref bytes, body.Length);
                    using var page = JsonDocument.Parse(body);
                    found += page.RootElement.TryGetProperty("entry", out var e) ? e.GetArrayLength() : 0;
                    url = page.RootElement.GetProperty("link").EnumerateArray()
                        .Where(l => l.GetProperty("relation").GetString() == "next").Select(l => l.GetProperty("url").GetString()).FirstOrDefault();
                }
                resources = found;
                latencies.Add((Stopwatch.GetTimestamp() - t0) * 1000.0 / Stopwatch.Frequency);
            }
            return latencies;
        })).ToList();
        var all = (await Task.WhenAll(workers)).SelectMany(l => l).Order().ToArray();
        return (all.Length, resources, bytes, all, (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency);
    }

    private static async Task<string> ExportAsync(HttpClient client)
    {
        using var process = Process.GetCurrentProcess();
        GC.Collect();
        process.Refresh();
        var baseline = process.WorkingSet64;
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(20);
            }
        });

        var clock = Stopwatch.StartNew();
        var kickoff = new HttpRequestMessage(HttpMethod.Get, "$export");
        kickoff.Headers.Add("Prefer", "respond-async");
        var started = await client.SendAsync(kickoff);
        if (started.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"$export kick-off: {(int)started.StatusCode}");
        var status = started.Content.Headers.ContentLocation!.ToString();
        JsonNode manifest;
        while (true)
        {
            var response = await client.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK) { manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync())!; break; }
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"$export status: {(int)response.StatusCode}");
            await Task.Delay(20);
        }
        var jobSeconds = clock.Elapsed.TotalSeconds;
        long bytes = 0, resources = 0;
        foreach (var output in manifest["output"]!.AsArray())
        {
            bytes += (await client.GetByteArrayAsync((string)output!["url"]!)).Length;
            resources += (long)output["count"]!;
        }
        var totalSeconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        await client.DeleteAsync(status);

        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {resources:N0} | {bytes / 1e6:N1} | {jobSeconds:F2} | **{resources / jobSeconds:N0}** | {bytes / jobSeconds / 1e6:N1} | {totalSeconds:F2} | {baseline / 1e6:N0} → {peak / 1e6:N0} | {(resources / jobSeconds >= 30_000 ? "meets" : "misses")} (≥ 30,000/s) |");
        Console.WriteLine(line);
        return "## Bulk Data export\n\n" +
               "System `$export` of everything loaded: kick-off until the manifest (status polled every 20 ms), then every file downloaded.\n" +
               "Memory is the whole process's working set (server and benchmark client) sampled every 20 ms: before → peak.\n\n" +
               "| resources | MB | job s | resources/s | MB/s | with download s | working set MB | vs target |\n" +
               "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n" + line + "\n";
    }

    /// <summary>
    /// A FhirPortal.DataGen patient whose record holds about <paramref name="resources"/> resources (visits, vitals, labs,
    /// medications, messages, claims), valid against profiles/: the shared directory, then the record in one transaction.
    /// </summary>
    private static async Task<string> GeneratePatientAsync(HttpClient client, int resources)
    {
        const string patient = "bench-10k";
        var options = new GeneratorOptions { Seed = 10_000, Patients = 1, ResourcesPerPatient = resources, AsOf = new DateOnly(2026, 1, 1), FirstPatientId = patient };
        await PostAsync(client, TransactionBundles.Shared(options));
        await PostAsync(client, TransactionBundles.Patient(new PatientGenerator(options).Generate(0)));
        return patient;
    }

    private static async Task PostAsync(HttpClient client, Hl7.Fhir.Model.Bundle bundle)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = new ByteArrayContent(FhirJson.ToBytes(bundle)) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/fhir+json");
        request.Headers.Add("Prefer", "return=minimal");
        (await client.SendAsync(request)).EnsureSuccessStatusCode();
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

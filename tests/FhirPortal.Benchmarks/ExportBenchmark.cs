using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Bulk Data system <c>$export</c> of everything loaded: kick-off until the manifest (status polled every 20 ms), then
/// every file downloaded; the server process's working set is sampled every 20 ms throughout.
/// </summary>
internal static class ExportBenchmark
{
    /// <summary>One export per run; also returns the exported resources (NDJSON lines of the first run) for the raw JSON reference.</summary>
    public static async Task<(List<Sample> Runs, List<byte[]> Resources, double BaselineMb)> RunAsync(LoadGenerator load, ServerProcess server, int runs)
    {
        var samples = new List<Sample>();
        var resources = new List<byte[]>();
        double baseline = double.NaN;
        for (var run = 0; run < runs; run++)
        {
            var (sample, before) = await ExportOnceAsync(load.Client, server, run == 0 ? resources : null);
            baseline = before;
            samples.Add(sample);
            Console.WriteLine($"  export run {run + 1}: {sample.Count:N0} resources, {sample.Rate:N0}/s, server peak {sample.Extra:N0} MB");
        }
        return (samples, resources, baseline);
    }

    private static async Task<(Sample, double BaselineMb)> ExportOnceAsync(HttpClient client, ServerProcess server, List<byte[]>? keep)
    {
        var baseline = server.WorkingSet;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.WorkingSet);
                try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var meter = CpuMeter.Start(server);
        using var kickoff = new HttpRequestMessage(HttpMethod.Get, "$export");
        kickoff.Headers.Add("Prefer", "respond-async");
        using var started = await client.SendAsync(kickoff);
        if (started.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"$export kick-off: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var status = started.Content.Headers.ContentLocation ?? throw new InvalidOperationException("$export kick-off without Content-Location.");
        var clock = Stopwatch.StartNew();
        JsonNode manifest;
        while (true)
        {
            using var response = await client.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK) { manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync())!; break; }
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"$export status: {(int)response.StatusCode}");
            await Task.Delay(20);
        }
        var jobSeconds = clock.Elapsed.TotalSeconds;
        long bytes = 0, count = 0;
        foreach (var output in manifest["output"]!.AsArray())
        {
            var file = await client.GetByteArrayAsync((string)output!["url"]!);
            bytes += file.Length;
            count += (long)output["count"]!;
            if (keep is not null) keep.AddRange(Lines(file));
        }
        var (seconds, clientCpu, serverCpu) = meter.Stop();
        await sampling.CancelAsync();
        await sampler;
        using (await client.DeleteAsync(status)) { }
        return (new Sample(count / jobSeconds, double.NaN, double.NaN, bytes / jobSeconds / 1e6, clientCpu, serverCpu, 0, seconds, count)
            { Extra = peak / 1e6 }, baseline / 1e6);
    }

    private static IEnumerable<byte[]> Lines(byte[] ndjson)
    {
        var start = 0;
        for (var i = 0; i <= ndjson.Length; i++)
        {
            if (i < ndjson.Length && ndjson[i] != (byte)'\n') continue;
            if (i > start) yield return ndjson[start..i];
            start = i + 1;
        }
    }
}

/// <summary>The export table: the server's figures against the raw JSON ceiling.</summary>
internal static class ExportTable
{
    public static Table Build(List<Sample> runs, double baselineMb, List<Sample> rawJsonRuns, Targets targets)
    {
        var f = Figure.Of(runs);
        var rawJson = Figure.Of(rawJsonRuns);
        var table = new Table("Bulk Data export",
            "System `$export` of everything loaded (Synthea, the large generated patient, the server's own conformance resources): " +
            "resources/s and MB/s over the job (kick-off to manifest); memory is the server process's working set, sampled every 20 ms " +
            "from before the kick-off to the last download. The raw JSON row reads and rewrites the same exported resources on every core.",
            "scenario", "resources", "resources/s", "MB/s", "server memory MB (before → peak)", "load generator CPU", "server CPU ms/resource", "runs (spread)", "vs raw JSON", "target");
        table.Add("system $export", Fmt.N0(runs[0].Count), Fmt.N0(f.Rate), Fmt.F(f.MBps), $"{Fmt.N0(baselineMb)} → {Fmt.N0(f.Extra)}",
            Fmt.Percent(f.ClientShare), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f), Fmt.Ratio(f.Rate, rawJson.Rate), Fmt.Verdict(f.Rate >= 30_000, "≥ 30,000/s"));
        table.Add("raw JSON read + write", Fmt.N0(runs[0].Count), Fmt.N0(rawJson.Rate), Fmt.F(rawJson.MBps), "–", "(in process)", Stats.InProcessCpu(rawJsonRuns), Fmt.Runs(rawJson), "1.00", "");
        targets.Judge("export ≥ 30,000 resources/s", Fmt.N0(f.Rate) + "/s", f.Rate >= 30_000, f.Noisy);
        return table;
    }
}

using System.Diagnostics;
using System.Net.Http.Headers;
using FhirPortal.DataGen.Generation;

namespace FhirPortal.DataGen.Output;

/// <summary>
/// Posts the data set to a FHIR server as transactions: the shared bundle first, then patient bundles with
/// <see cref="Concurrency"/> in flight. Patients are generated as they are sent, so memory stays flat at any scale.
/// </summary>
public sealed class ServerPoster(HttpClient client, int concurrency, TextWriter log)
{
    public int Concurrency => concurrency;

    public sealed record Result(long Bundles, long Resources, TimeSpan Elapsed)
    {
        public double ResourcesPerSecond => Resources / Math.Max(Elapsed.TotalSeconds, 1e-9);
    }

    public async Task<Result> PostAsync(GeneratorOptions options, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var shared = TransactionBundles.Shared(options);
        await SendAsync(FhirJson.ToBytes(shared), "shared resources", ct);
        long bundles = 1, resources = shared.Entry.Count;
        var generator = new PatientGenerator(options);
        await Parallel.ForEachAsync(generator.All(), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (record, token) =>
        {
            var bundle = TransactionBundles.Patient(record);
            await SendAsync(FhirJson.ToBytes(bundle), $"patient {record.Index + 1}", token);
            var done = Interlocked.Increment(ref bundles);
            var total = Interlocked.Add(ref resources, bundle.Entry.Count);
            if ((done - 1) % 100 == 0)
                lock (log) log.WriteLine($"{done - 1} patients, {total} resources, {total / clock.Elapsed.TotalSeconds:N0} resources/s");
        });
        return new Result(bundles, resources, clock.Elapsed);
    }

    private async Task SendAsync(byte[] body, string what, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = content };
        // The transaction response body is not needed; minimal keeps the server from serialising every resource back.
        request.Headers.Add("Prefer", "return=minimal");
        using var response = await client.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"Posting {what} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }
}

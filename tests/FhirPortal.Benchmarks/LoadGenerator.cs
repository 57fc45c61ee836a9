using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace FhirPortal.Benchmarks;

/// <summary>One request (or one multi-page unit of work) by one worker; returns the response bytes read.</summary>
internal delegate ValueTask<long> Operation(HttpClient client, int index, WorkerBuffers buffers);

/// <summary>A worker's reusable buffers: bodies are read into them, never parsed (except where a next link is needed).</summary>
internal sealed class WorkerBuffers
{
    public byte[] Chunk { get; } = new byte[64 * 1024];
    private MemoryStream? _body;

    /// <summary>For operations that must look into the body ($everything's next link); made on first use.</summary>
    public MemoryStream Body => _body ??= new MemoryStream(1 << 20);
}

/// <summary>
/// The HTTP load generator: one HttpClient over a pooled SocketsHttpHandler (a connection per worker), closed-loop
/// workers over pre-built URIs, latency from send to the last body byte. Kept light so that it is not the bottleneck:
/// its CPU time and the server's are measured over each run.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    public LoadGenerator(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024, UseCookies = false, UseProxy = false, AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        };
        Client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10) };
        Client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
    }

    public HttpClient Client { get; }

    /// <summary>GET of each URI in turn; the body is read and counted, not parsed.</summary>
    public static Operation Get(Uri[] uris) => async (client, index, buffers) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uris[index % uris.Length]);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await Drain(response, buffers);
        return response.IsSuccessStatusCode ? bytes : throw new RequestFailedException(response.StatusCode, request.RequestUri!);
    };

    public static async ValueTask<long> Drain(HttpResponseMessage response, WorkerBuffers buffers)
    {
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffers.Chunk)) > 0) total += read;
        return total;
    }

    /// <summary>Closed loop: <paramref name="concurrency"/> workers repeat the operation until the time is up.</summary>
    public Task<Sample> ForDurationAsync(int concurrency, TimeSpan duration, Operation operation, ServerProcess? server) =>
        RunAsync(concurrency, operation, server, Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency), int.MaxValue);

    /// <summary>Operations 0..count-1, each once, by <paramref name="concurrency"/> workers.</summary>
    public Task<Sample> ForCountAsync(int concurrency, int count, Operation operation, ServerProcess? server) =>
        RunAsync(concurrency, operation, server, long.MaxValue, count);

    private async Task<Sample> RunAsync(int concurrency, Operation operation, ServerProcess? server, long stopAt, int count)
    {
        var next = -1;
        long errors = 0, bytes = 0;
        string? firstError = null;
        var meter = CpuMeter.Start(server);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var buffers = new WorkerBuffers();
            var latencies = new List<double>(8192);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= count) break;
                var t0 = Stopwatch.GetTimestamp();
                try { Interlocked.Add(ref bytes, await operation(Client, index, buffers)); }
                catch (Exception e) when (e is RequestFailedException or HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
                latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            return latencies;
        })).ToList();
        var all = (await Task.WhenAll(workers)).SelectMany(l => l).ToArray();
        var (seconds, clientCpu, serverCpu) = meter.Stop();
        Array.Sort(all);
        return new Sample(all.Length / seconds, Stats.Percentile(all, 0.50), Stats.Percentile(all, 0.99), bytes / seconds / 1e6,
            clientCpu, serverCpu, errors, seconds, all.Length) { FirstError = firstError };
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>A non-success HTTP status from the server under test.</summary>
internal sealed class RequestFailedException(HttpStatusCode status, Uri uri)
    : Exception($"{(int)status} {status} for {uri}");

/// <summary>Wall time and CPU time of this process and of the server process over one run.</summary>
internal readonly record struct CpuMeter(long Started, TimeSpan Client, TimeSpan Server, ServerProcess? Process)
{
    private static readonly Process Self = System.Diagnostics.Process.GetCurrentProcess();

    public static CpuMeter Start(ServerProcess? server) =>
        new(Stopwatch.GetTimestamp(), SelfCpu(), server?.CpuTime ?? TimeSpan.Zero, server);

    public (double Seconds, double ClientCpu, double ServerCpu) Stop() =>
        (Stopwatch.GetElapsedTime(Started).TotalSeconds, (SelfCpu() - Client).TotalSeconds,
         Process is null ? double.NaN : (Process.CpuTime - Server).TotalSeconds);

    private static TimeSpan SelfCpu()
    {
        Self.Refresh();
        return Self.TotalProcessorTime;
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Issue 20's subscriptions benchmark (<c>--subscriptions</c>): p50/p99 of a FHIR write (POST of a final laboratory
/// Observation, patients in turn) with 0 and then 100 active rest-hook subscriptions on the result topic, one per
/// patient, to a local listener (so every write records one event, and the worker delivers while writes go on).
/// Prints its table; BENCHMARKS.md is left alone.
/// </summary>
internal static class SubscriptionsBenchmark
{
    private const int Patients = 100;
    private const string Topic = "http://fhirportal.org/fhir/SubscriptionTopic/patient-result";

    public static async Task RunAsync(string root, string temp, BenchmarkOptions options)
    {
        using var hook = new CountingListener();
        await using var server = await ServerProcess.StartFhirAsync(root, Path.Combine(temp, "subscriptions"),
            "--FhirPortal:Subscriptions:AllowHttp=true", "--FhirPortal:Subscriptions:AllowPrivateAddresses=true",
            "--FhirPortal:Subscriptions:PollInterval=00:00:00.5");
        using var load = new LoadGenerator(new Uri(server.BaseAddress, "fhir/"));
        var write = (Operation)(async (client, index, buffers) =>
        {
            using var response = await client.PostAsync("Observation", Body(LabResult($"sub-bench-{index % Patients}")));
            var bytes = await LoadGenerator.Drain(response, buffers);
            return response.IsSuccessStatusCode ? bytes : throw new RequestFailedException(response.StatusCode, new Uri(client.BaseAddress!, "Observation"));
        });

        var table = new Table("FHIR Subscriptions (issue 20)",
            "POST of a final laboratory Observation (100 patients in turn) on SQLite, concurrency 4, with no subscriptions and then with " +
            "100 active rest-hook subscriptions to the result topic (one per patient: each write records one event) delivered to a local listener.",
            "subscriptions", "writes/s", "p50 ms", "p99 ms", "server CPU ms/write", "runs (spread)");
        foreach (var subscriptions in new[] { 0, Patients })
        {
            if (subscriptions > 0) await SubscribeAsync(load.Client, hook.Endpoint, subscriptions);
            var samples = new List<Sample>();
            for (var run = 0; run < options.Runs; run++)
            {
                await load.ForDurationAsync(4, options.WarmupSpan, write, server);
                samples.Add(await load.ForDurationAsync(4, options.DurationSpan, write, server));
            }
            var f = Figure.Of(samples);
            if (f.Errors > 0) throw new InvalidOperationException($"Writes failed: {samples.First(s => s.FirstError is not null).FirstError}");
            table.Add(Invariant($"{subscriptions}"), Fmt.N0(f.Rate), Fmt.F(f.P50), Fmt.F(f.P99), Fmt.Cpu(f.ServerCpuMs), Fmt.Runs(f));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        Console.WriteLine(table.Markdown());
        Console.WriteLine(Invariant($"Notifications received by the listener: {hook.Count:N0} (handshakes included)."));
        Console.WriteLine(Invariant($"{Environment.ProcessorCount} cores shared with other work (1-minute load average {ReportWriter.LoadAverage():F1} at the end)."));
    }

    /// <summary>Creates the subscriptions and waits until the worker's handshakes have made them all active.</summary>
    private static async Task SubscribeAsync(HttpClient client, string endpoint, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var subscription = new JsonObject
            {
                ["resourceType"] = "Subscription", ["status"] = "requested", ["reason"] = "benchmark", ["criteria"] = Topic,
                ["_criteria"] = new JsonObject
                {
                    ["extension"] = new JsonArray(new JsonObject
                    {
                        ["url"] = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria",
                        ["valueString"] = $"patient=Patient/sub-bench-{i}",
                    }),
                },
                ["channel"] = new JsonObject { ["type"] = "rest-hook", ["endpoint"] = endpoint, ["payload"] = "application/fhir+json" },
            };
            var response = await client.PostAsync("Subscription", Body(subscription));
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Subscription: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        for (var wait = 0; wait < 600; wait++)
        {
            var bundle = JsonNode.Parse(await client.GetStringAsync("Subscription?status=active&_summary=count"))!;
            if ((int?)bundle["total"] >= count) return;
            await Task.Delay(500);
        }
        throw new InvalidOperationException("The subscriptions did not become active.");
    }

    private static JsonObject LabResult(string patient) => new()
    {
        ["resourceType"] = "Observation", ["status"] = "final",
        ["category"] = new JsonArray(new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category", ["code"] = "laboratory" }) }),
        ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "2345-7", ["display"] = "Glucose" }) },
        ["subject"] = new JsonObject { ["reference"] = $"Patient/{patient}" },
        ["effectiveDateTime"] = "2030-01-01T08:00:00Z",
        ["valueQuantity"] = new JsonObject { ["value"] = 95, ["unit"] = "mg/dL", ["system"] = "http://unitsofmeasure.org", ["code"] = "mg/dL" },
    };

    private static StringContent Body(JsonObject json) => new(json.ToJsonString(), Encoding.UTF8, "application/fhir+json");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A rest-hook endpoint on loopback that answers 200 to every POST and counts them.</summary>
    private sealed class CountingListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private long _count;

        public CountingListener()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Endpoint = $"http://127.0.0.1:{port}/hook";
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); }
                    catch (Exception) { return; }
                    await context.Request.InputStream.CopyToAsync(Stream.Null);
                    Interlocked.Increment(ref _count);
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
            });
        }

        public string Endpoint { get; }
        public long Count => Interlocked.Read(ref _count);

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}

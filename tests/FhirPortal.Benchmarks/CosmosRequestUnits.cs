using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FhirPortal.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Benchmarks;

/// <summary>
/// Request units per interaction on the Cosmos store: runs the server on the Cosmos emulator (tests/cosmos-emulator)
/// and prints, per interaction, the document requests and bytes the store made (from its Debug log of each request),
/// the emulator's reported charge (not real: the emulator does not model RU), and an estimate from Microsoft's
/// published per-size table, against the issue's target of 15 RU per resource write. The small synthetic interactions
/// are averaged over their runs; the Synthea ingest (real resources of every type and size) is totalled per Bundle
/// kind, and the last line weighs every measured write. Options: --count N runs of the synthetic interactions
/// (default 20); --synthea N patient bundles after the hospital and practitioner bundles (default 3, 0 skips them).
/// </summary>
internal static class CosmosRequestUnits
{
    private const double TargetPerWrite = 15;

    // "Understand request unit consumption" (learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption),
    // section "Document size": RU of one point read / one write of a document of at most this many KB (session or
    // eventual consistency). We apply it per request: writes (create, replace, upsert) by the bytes sent; deletes as a
    // 1 KB write (the size deleted is not sent); point reads and each query response page by the bytes received. The
    // table gives no formula for queries, so the query figure is a lower bound; index terms beyond the table's
    // defaults raise write charges too.
    private static readonly (int Kb, double Read, double Write)[] SizeTable =
    [
        (1, 1.00, 4.95), (2, 1.04, 6.29), (4, 1.14, 6.67), (8, 1.33, 7.04), (16, 1.67, 9.52), (32, 2.19, 11.23),
        (64, 4.76, 22.67), (128, 9.95, 48.19), (256, 20.28, 98.29), (512, 40.95, 184.57), (1024, 145.90, 625.00), (2048, 291.80, 1250.00),
    ];

    public static async Task RunAsync(string[] args)
    {
        var count = Option(args, "--count", 20);
        var syntheaPatients = Option(args, "--synthea", 3);
        await using var emulator = await CosmosEmulatorProcess.StartAsync();
        var requests = new RequestLog();
        using var host = new CosmosHost(emulator, requests);
        using var client = host.CreateFhirClient();
        (await client.GetAsync("metadata")).EnsureSuccessStatusCode();

        var rows = new List<Row>();
        async Task<JsonNode> Measure(string interaction, Func<JsonNode, int> resourceWrites, Func<Task<HttpResponseMessage>> send)
        {
            requests.Clear();
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{interaction}: {(int)response.StatusCode} {body}");
            var json = JsonNode.Parse(body)!;
            rows.Add(new Row(interaction, resourceWrites(json), requests.Snapshot()));
            return json;
        }

        for (var i = 0; i < count; i++)
        {
            var patient = await Measure("create Patient", _ => 1, () => client.PostAsync("Patient", Body(Patient(i))));
            var patientId = (string)patient["id"]!;
            var observation = await Measure("create Observation", _ => 1, () => client.PostAsync("Observation", Body(Observation(patientId, i, null))));
            var observationId = (string)observation["id"]!;
            await Measure("update Observation", _ => 1, () => client.PutAsync($"Observation/{observationId}", Body(Observation(patientId, i + 1, observationId))));
            await Measure("read Observation", _ => 0, () => client.GetAsync($"Observation/{observationId}"));
            await Measure("search Observation?patient&code", _ => 0, () => client.GetAsync($"Observation?patient={patientId}&code=http://loinc.org|8867-4"));
            await Measure("search Patient?family", _ => 0, () => client.GetAsync($"Patient?family=Benchmark{i}"));
            var transaction = Transaction(patientId, i);
            await Measure("transaction of 5 creates", response => Written(transaction, response), () => client.PostAsync("", Body(transaction.ToJsonString())));
        }
        var synthetic = rows.ToList();

        // ../shared/fixtures/README.md, "Load order": the hospital and practitioner batches first (the patient bundles
        // refer to their resources by conditional references), then the patient transactions, here in file-name order.
        var fixtures = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "fixtures", "synthea"));
        string[] information = ["hospitalInformation1625911868739.json", "practitionerInformation1625911868739.json"];
        var skipped = syntheaPatients == 0 ? "skipped (--synthea 0)"
            : !Directory.Exists(fixtures) ? $"skipped: fixtures not found at {fixtures} (see ../shared/fixtures/README.md)" : null;
        var clock = Stopwatch.StartNew();
        var syntheaPatientIds = new List<string>();
        if (skipped is null)
        {
            var patientFiles = Directory.GetFiles(fixtures, "*.json").Select(Path.GetFileName).OfType<string>()
                .Where(f => !information.Contains(f)).Order(StringComparer.Ordinal).Take(syntheaPatients);
            foreach (var (kind, file) in information.Select(f => (InformationBundles, f)).Concat(patientFiles.Select(f => (PatientBundles, f))))
            {
                var json = await File.ReadAllBytesAsync(Path.Combine(fixtures, file));
                var bundle = JsonNode.Parse(json)!;
                var response = await Measure(kind, r => Written(bundle, r), () => client.SendAsync(PostBundle(json)));
                if (kind == PatientBundles) syntheaPatientIds.AddRange(CreatedPatients(bundle, response));
                // A batch answers per entry: say so when some entries failed rather than let the row quietly shrink.
                var entries = bundle["entry"]!.AsArray().Count;
                if (rows[^1].ResourceWrites < entries)
                    Console.WriteLine($"{file}: {entries - rows[^1].ResourceWrites} of {entries} entries wrote no resource " +
                        $"(statuses: {string.Join(", ", response["entry"]!.AsArray().Select(e => (string?)e?["response"]?["status"]).Distinct())})");
            }
        }
        clock.Stop();

        // Reading a patient's record, every page: single-partition queries for the patient's own resources (the
        // 'across' column counts the queries that span partitions: the referenced practitioners and organizations).
        var reads = new List<Row>();
        foreach (var id in syntheaPatientIds)
        {
            foreach (var (label, url) in new[]
            {
                ("Patient/$everything", $"Patient/{id}/$everything?_count=100"),
                ("Observation?patient (all pages)", $"Observation?patient={id}&_count=100"),
                ("Patient/X/Encounter (compartment)", $"Patient/{id}/Encounter?_count=100"),
            })
            {
                requests.Clear();
                var returned = 0;
                for (var next = url; next is not null;)
                {
                    using var response = await client.GetAsync(next);
                    var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
                    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{label}: {(int)response.StatusCode} {page}");
                    returned += page["entry"]?.AsArray().Count ?? 0;
                    next = (string?)page["link"]?.AsArray().FirstOrDefault(l => (string?)l!["relation"] == "next")?["url"];
                }
                reads.Add(new Row($"{label} ({returned})", 0, requests.Snapshot()));
            }
        }

        Console.WriteLine($"Cosmos store request units; synthetic interactions: averages over {count} runs each");
        Console.WriteLine("Estimate: learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption, 'Document size' table, per request.");
        Console.WriteLine("resources: resources written; reads/writes/queries: Cosmos requests; KB: document bytes sent and received;");
        Console.WriteLine("B/doc: average bytes per document written (create, replace, upsert).");
        Console.WriteLine();
        var header = $"{"interaction",-34} {"resources",9} {"reads",7} {"writes",7} {"queries",7} {"across",6} {"KB",9} {"B/doc",6} {"emulator RU",11} {"est. RU",9} {"est. RU/write",13}";
        Console.WriteLine(header);
        foreach (var group in synthetic.GroupBy(r => r.Interaction)) Print(group.Key, [.. group], group.Count());
        Console.WriteLine();
        var synthea = rows.Skip(synthetic.Count).ToList();
        if (skipped is not null) Console.WriteLine($"Synthea ingest {skipped}");
        else
        {
            Console.WriteLine($"Synthea ingest, totals per Bundle kind ({synthea.Count - information.Length} patient bundles, {clock.Elapsed.TotalSeconds:F0} s)");
            Console.WriteLine(header);
            foreach (var group in synthea.GroupBy(r => r.Interaction)) Print($"{group.Key} ({group.Count()})", [.. group], 1);
            Print($"Synthea total ({synthea.Count})", synthea, 1);
            Console.WriteLine();
            Console.WriteLine("Reading the Synthea patients' records, per patient, all pages (resources returned in brackets)");
            Console.WriteLine(header);
            foreach (var row in reads) Print(row.Interaction, [row], 1);
        }
        Console.WriteLine();

        // Weighted by resource writes: the RU of every interaction that wrote, over all the resources it wrote.
        var wrote = rows.Where(r => r.ResourceWrites > 0).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"average RU per resource write over all measured writes: {wrote.Sum(r => r.Requests.Sum(Estimate)) / wrote.Sum(r => r.ResourceWrites):F1} (target {TargetPerWrite})"));
    }

    private const string InformationBundles = "Synthea information bundles";
    private const string PatientBundles = "Synthea patient bundles";

    /// <summary>One table row: the rows' figures divided by <paramref name="per"/> (their count for averages, 1 for totals).</summary>
    private static void Print(string label, List<Row> rows, int per)
    {
        var all = rows.SelectMany(r => r.Requests).ToList();
        double Per(Func<Request, bool> which) => all.Count(which) / (double)per;
        var writes = rows.Sum(r => r.ResourceWrites);
        var estimate = all.Sum(Estimate);
        var perWrite = writes == 0 ? "" : $"{estimate / writes:F1} {(estimate / writes <= TargetPerWrite ? "<=" : ">")} {TargetPerWrite}";
        // Deletes send no document, so they would only dilute the size that drives the write estimate.
        var documents = all.Where(q => q.Operation is "create" or "replace" or "upsert").ToList();
        var bytesPerDocument = documents.Count == 0 ? "" : (documents.Sum(q => q.Bytes) / documents.Count).ToString(CultureInfo.InvariantCulture);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-34} {writes / (double)per,9:F1} {Per(q => q.Operation == "read"),7:F1} {Per(q => IsWrite(q.Operation)),7:F1} " +
            $"{Per(q => q.Operation == "query"),7:F1} {Per(q => q.Operation == "query" && q.Partition == "*"),6:F1} {all.Sum(q => q.Bytes) / 1024.0 / per,9:F1} {bytesPerDocument,6} " +
            $"{all.Sum(q => q.Charge) / per,11:F1} {estimate / per,9:F1} {perWrite,13}"));
    }

    /// <summary>
    /// Resources a Bundle wrote, from its transaction- or batch-response (entries answer the request's in order):
    /// 201 Created, or 200 OK to a PUT or PATCH (an update). A 200 to a POST is a conditional create that found its
    /// match and wrote nothing; a 200 to a GET is a read.
    /// </summary>
    private static int Written(JsonNode request, JsonNode response) =>
        request["entry"]!.AsArray().Zip(response["entry"]!.AsArray()).Count(e =>
            (string?)e.Second?["response"]?["status"] is { } status
            && (status.StartsWith("201", StringComparison.Ordinal)
                || status.StartsWith("200", StringComparison.Ordinal) && (string?)e.First?["request"]?["method"] is "PUT" or "PATCH"));

    /// <summary>The ids the server gave the Patients a transaction created (from the response entries' locations).</summary>
    private static IEnumerable<string> CreatedPatients(JsonNode request, JsonNode response) =>
        request["entry"]!.AsArray().Zip(response["entry"]!.AsArray())
            .Where(e => (string?)e.First?["resource"]?["resourceType"] == "Patient" && e.Second?["response"]?["location"] is not null)
            .Select(e => ((string)e.Second!["response"]!["location"]!).Split('/'))
            .Select(parts => parts[Array.LastIndexOf(parts, "Patient") + 1]);

    private static int Option(string[] args, string name, int fallback) =>
        args.SkipWhile(a => a != name).Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(fallback);

    private static HttpRequestMessage PostBundle(byte[] json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        // The entries' statuses are all the count needs; echoing megabytes of resources back would only cost time.
        request.Headers.Add("Prefer", "return=minimal");
        return request;
    }

    private static string RepoRoot()
    {
        var root = AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) root = dir.FullName;
        return root;
    }

    private static bool IsWrite(string operation) => operation is "create" or "replace" or "upsert" or "delete";

    private static double Estimate(Request request)
    {
        if (request.Operation == "delete") return SizeTable[0].Write;
        var kb = Math.Max(1, request.Bytes / 1024.0);
        var row = SizeTable.FirstOrDefault(r => r.Kb >= kb, SizeTable[^1]);
        return IsWrite(request.Operation) ? row.Write : row.Read;
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/fhir+json");

    // Typical Synthea-sized resources (about 1-2 KB as stored).
    private static string Patient(int i) => $$"""
        {"resourceType":"Patient","identifier":[{"system":"urn:benchmark","value":"{{i}}"},{"system":"http://hl7.org/fhir/sid/us-ssn","value":"999-00-{{i:D4}}"}],
         "name":[{"use":"official","family":"Benchmark{{i}}","given":["Alex","Sam"],"prefix":["Mx."]}],"gender":"other","birthDate":"1980-05-17",
         "telecom":[{"system":"phone","value":"555-0100","use":"home"}],
         "address":[{"line":["1 Main Street"],"city":"Springfield","state":"MA","postalCode":"01101","country":"US"}]}
        """;

    private static string Observation(string patientId, int value, string? id) => $$"""
        {"resourceType":"Observation",{{(id is null ? "" : $"\"id\":\"{id}\",")}}"status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}],"text":"Heart rate"},
         "subject":{"reference":"Patient/{{patientId}}"},"effectiveDateTime":"2024-02-10T08:30:00Z","issued":"2024-02-10T08:30:00.000Z",
         "valueQuantity":{"value":{{60 + value}},"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"} }
        """;

    private static JsonObject Transaction(string patientId, int i) =>
        new()
        {
            ["resourceType"] = "Bundle", ["type"] = "transaction",
            ["entry"] = new JsonArray(Enumerable.Range(0, 5).Select(k => (JsonNode?)new JsonObject
            {
                ["resource"] = JsonNode.Parse(Observation(patientId, i * 10 + k, null)),
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" },
            }).ToArray()),
        };

    private sealed record Row(string Interaction, int ResourceWrites, List<Request> Requests);

    /// <param name="Partition">The request's partition; "*" for a query across partitions.</param>
    private sealed record Request(string Operation, double Charge, long Bytes, string Partition);

    /// <summary>The store's per-request Debug entries ("Cosmos {Operation} {Target}: ...") since the last Clear.</summary>
    private sealed class RequestLog : ILoggerProvider, ILogger
    {
        private readonly List<Request> _requests = [];

        public void Clear() { lock (_requests) _requests.Clear(); }

        public List<Request> Snapshot() { lock (_requests) return [.. _requests]; }

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> fields) return;
            var values = fields.ToDictionary(f => f.Key, f => f.Value);
            if (!values.ContainsKey("Target") || values.GetValueOrDefault("Operation") is not string operation) return;
            lock (_requests) _requests.Add(new Request(operation, Convert.ToDouble(values["RequestCharge"], CultureInfo.InvariantCulture),
                Convert.ToInt64(values["Bytes"], CultureInfo.InvariantCulture), (string?)values.GetValueOrDefault("Partition") ?? "*"));
        }

        public void Dispose() { }
    }

    /// <summary>The server in process on the emulator (a fresh container), with the store's Debug log captured.</summary>
    private sealed class CosmosHost : WebApplicationFactory<Program>
    {
        private readonly string _data = Path.Combine(Path.GetTempPath(), "fhirportal-bench-cosmos", Guid.NewGuid().ToString("N"));
        private readonly CosmosEmulatorProcess _emulator;
        private readonly RequestLog _requests;

        public CosmosHost(CosmosEmulatorProcess emulator, RequestLog requests)
        {
            (_emulator, _requests) = (emulator, requests);
            // The content root WebApplicationFactory would guess from the solution layout; a console app has no test manifest.
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FHIRPORTAL_SERVER", Path.Combine(RepoRoot(), "src", "FhirPortal.Server"));
        }

        public HttpClient CreateFhirClient()
        {
            var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/"), AllowAutoRedirect = false });
            client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
            client.Timeout = TimeSpan.FromMinutes(5);
            return client;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["FhirPortal:DataDirectory"] = _data,
                ["FhirPortal:Security:Enabled"] = "false",
                // Plain FHIR R4 resources: no local profiles required of them.
                ["FhirPortal:ProfilesDirectory"] = "",
                ["FhirPortal:Validation:RequireProfiles"] = "",
                ["FhirPortal:Storage:Provider"] = "Cosmos",
                ["FhirPortal:Storage:Cosmos:Endpoint"] = _emulator.Endpoint,
                ["FhirPortal:Storage:Cosmos:Key"] = CosmosEmulatorProcess.Key,
                ["FhirPortal:Storage:Cosmos:Database"] = CosmosEmulatorProcess.Database,
                ["FhirPortal:Storage:Cosmos:Container"] = "bench" + Guid.NewGuid().ToString("N"),
                ["Logging:LogLevel:Default"] = "Warning",
            }) builder.UseSetting(key, value);
            builder.ConfigureLogging(logging => logging
                .AddProvider(_requests)
                .AddFilter<RequestLog>("FhirPortal.Storage.Cosmos", LogLevel.Debug));
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            try { if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true); }
            catch (IOException) { /* temp folders are cleaned by the OS */ }
        }
    }
}

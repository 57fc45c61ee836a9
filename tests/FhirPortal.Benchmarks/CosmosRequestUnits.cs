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
/// published per-size table, against the issue's target of 15 RU per resource write. Options: --count N (default 20).
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
        var count = args.SkipWhile(a => a != "--count").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(20);
        await using var emulator = await CosmosEmulatorProcess.StartAsync();
        var requests = new RequestLog();
        using var host = new CosmosHost(emulator, requests);
        using var client = host.CreateFhirClient();
        (await client.GetAsync("metadata")).EnsureSuccessStatusCode();

        var rows = new List<Row>();
        async Task<JsonNode> Measure(string interaction, int resourceWrites, Func<Task<HttpResponseMessage>> send)
        {
            requests.Clear();
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{interaction}: {(int)response.StatusCode} {body}");
            rows.Add(new Row(interaction, resourceWrites, requests.Snapshot()));
            return JsonNode.Parse(body)!;
        }

        for (var i = 0; i < count; i++)
        {
            var patient = await Measure("create Patient", 1, () => client.PostAsync("Patient", Body(Patient(i))));
            var patientId = (string)patient["id"]!;
            var observation = await Measure("create Observation", 1, () => client.PostAsync("Observation", Body(Observation(patientId, i, null))));
            var observationId = (string)observation["id"]!;
            await Measure("update Observation", 1, () => client.PutAsync($"Observation/{observationId}", Body(Observation(patientId, i + 1, observationId))));
            await Measure("read Observation", 0, () => client.GetAsync($"Observation/{observationId}"));
            await Measure("search Observation?patient&code", 0, () => client.GetAsync($"Observation?patient={patientId}&code=http://loinc.org|8867-4"));
            await Measure("search Patient?family", 0, () => client.GetAsync($"Patient?family=Benchmark{i}"));
            await Measure("transaction of 5 creates", 5, () => client.PostAsync("", Body(Transaction(patientId, i))));
        }

        Console.WriteLine($"Cosmos store request units, {count} runs per interaction (averages per interaction)");
        Console.WriteLine("Estimate: learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption, 'Document size' table, per request.");
        Console.WriteLine();
        Console.WriteLine($"{"interaction",-34} {"reads",6} {"writes",6} {"queries",7} {"KB",8} {"emulator RU",11} {"est. RU",8} {"est. RU/write",13}");
        foreach (var group in rows.GroupBy(r => r.Interaction))
        {
            var n = group.Count();
            double Avg(Func<Row, double> f) => group.Sum(f) / n;
            var estimate = Avg(r => r.Requests.Sum(Estimate));
            var writes = group.First().ResourceWrites;
            var perWrite = writes == 0 ? "" : $"{estimate / writes:F1} {(estimate / writes <= TargetPerWrite ? "<=" : ">")} {TargetPerWrite}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key,-34} {Avg(r => r.Requests.Count(q => q.Operation == "read")),6:F1} {Avg(r => r.Requests.Count(q => IsWrite(q.Operation))),6:F1} " +
                $"{Avg(r => r.Requests.Count(q => q.Operation == "query")),7:F1} {Avg(r => r.Requests.Sum(q => q.Bytes)) / 1024,8:F1} " +
                $"{Avg(r => r.Requests.Sum(q => q.Charge)),11:F1} {estimate,8:F1} {perWrite,13}"));
        }
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

    private static string Transaction(string patientId, int i) =>
        new JsonObject
        {
            ["resourceType"] = "Bundle", ["type"] = "transaction",
            ["entry"] = new JsonArray(Enumerable.Range(0, 5).Select(k => (JsonNode?)new JsonObject
            {
                ["resource"] = JsonNode.Parse(Observation(patientId, i * 10 + k, null)),
                ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" },
            }).ToArray()),
        }.ToJsonString();

    private sealed record Row(string Interaction, int ResourceWrites, List<Request> Requests);

    private sealed record Request(string Operation, double Charge, long Bytes);

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
            lock (_requests) _requests.Add(new Request(operation, Convert.ToDouble(values["RequestCharge"], CultureInfo.InvariantCulture), Convert.ToInt64(values["Bytes"], CultureInfo.InvariantCulture)));
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
            var root = AppContext.BaseDirectory;
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "FhirPortal.sln"))) root = dir.FullName;
            Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FHIRPORTAL_SERVER", Path.Combine(root, "src", "FhirPortal.Server"));
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

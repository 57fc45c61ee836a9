using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using FhirPortal.Server.Telemetry;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.ScaleOut;

/// <summary>
/// The FhirPortal meter counts /fhir requests per resource type, interaction and status, times the store and publishes
/// the background queues; Prometheus scrapes it at /metrics when configured, and not otherwise.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Requests_are_counted_per_type_interaction_and_status_and_the_store_is_timed()
    {
        using var host = new FhirPortalHost();
        using var fhir = host.CreateFhirClient();
        using var recorded = new Recorded(host.Services.GetRequiredService<IMeterFactory>());

        var created = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await fhir.PostAsync("Patient", Json("""{"resourceType":"Patient","name":[{"family":"Metric"}]}"""));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created.Add(response.Headers.Location!.Segments[3].TrimEnd('/'));
        }
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync($"Patient/{created[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fhir.GetAsync("Patient/nobody")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("Patient?family=Metric")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("metadata")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fhir.GetAsync("NotAType/1")).StatusCode);

        Assert.Equal(2, recorded.Requests("Patient", "create", 201));
        Assert.Equal(3, recorded.Requests("Patient", "read", 200));
        Assert.Equal(1, recorded.Requests("Patient", "read", 404));
        Assert.Equal(1, recorded.Requests("Patient", "search-type", 200));
        Assert.Equal(1, recorded.Requests(null, "capabilities", 200));
        // A type that is not an R4 type never becomes a metric dimension.
        Assert.Equal(1, recorded.Requests(null, "read", 404));
        Assert.Contains("commit", recorded.StoreOperations);
        Assert.Contains("read", recorded.StoreOperations);
        Assert.Contains("search", recorded.StoreOperations);
        Assert.Equal(["audit", "export", "notification"], recorded.Queues().Order());
    }

    [Theory]
    [InlineData("GET", "/fhir/{type}/{id}", "read")]
    [InlineData("HEAD", "/fhir/{type}/{id}", "read")]
    [InlineData("PUT", "/fhir/{type}/{id}", "update")]
    [InlineData("PUT", "/fhir/{type}", "update")]
    [InlineData("PATCH", "/fhir/{type}/{id}", "patch")]
    [InlineData("DELETE", "/fhir/{type}", "delete")]
    [InlineData("POST", "/fhir/{type}", "create")]
    [InlineData("POST", "/fhir/{type}/_search", "search-type")]
    [InlineData("GET", "/fhir/{compartment}/{id}/{type}", "search-type")]
    [InlineData("GET", "/fhir/", "search-system")]
    [InlineData("POST", "/fhir/", "batch-or-transaction")]
    [InlineData("GET", "/fhir/_history", "history-system")]
    [InlineData("GET", "/fhir/{type}/_history", "history-type")]
    [InlineData("GET", "/fhir/{type}/{id}/_history", "history-instance")]
    [InlineData("GET", "/fhir/{type}/{id}/_history/{versionId}", "vread")]
    [InlineData("GET", "/fhir/metadata", "capabilities")]
    [InlineData("POST", "/fhir/Appointment/$find", "operation")]
    [InlineData("GET", null, "unknown")]
    public void Route_patterns_name_their_FHIR_interaction(string method, string? pattern, string interaction) =>
        Assert.Equal(interaction, FhirInteractionName.Interaction(method, pattern, out _));

    [Fact]
    public async Task Prometheus_scrapes_the_interaction_counts_at_metrics_when_configured()
    {
        using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:Telemetry:Prometheus"] = "true" });
        using var fhir = host.CreateFhirClient();
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("Patient?family=Scraped")).StatusCode);

        var scrape = await host.CreateClient().GetStringAsync("/metrics");

        Assert.Contains("fhirportal_requests_total{", scrape);
        Assert.Matches("fhirportal_requests_total\\{[^}]*fhir_interaction=\"search-type\"", scrape);
        Assert.Contains("fhirportal_store_duration_seconds_bucket{", scrape);
    }

    [Fact]
    public async Task Without_configuration_there_is_no_metrics_endpoint()
    {
        using var host = new FhirPortalHost();
        Assert.Equal(HttpStatusCode.NotFound, (await host.CreateClient().GetAsync("/metrics")).StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/fhir+json");

    /// <summary>What this host's FhirPortal meter records (other hosts in the test run have their own meter).</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, long Value, Dictionary<string, object?> Tags)> _longs = [];
        private readonly Lock _gate = new();

        public Recorded(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PortalMetrics.MeterName && instrument.Meter.Scope == scope) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i.Name, value, tags));
            _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i.Name, (long)value, tags));
            _listener.Start();
        }

        public List<string> StoreOperations
        {
            get { lock (_gate) return [.. _longs.Where(m => m.Instrument == "fhirportal.store.duration").Select(m => (string)m.Tags["store.operation"]!).Distinct()]; }
        }

        public long Requests(string? type, string interaction, int status)
        {
            lock (_gate)
                return _longs.Where(m => m.Instrument == "fhirportal.requests" && (string?)m.Tags["fhir.interaction"] == interaction
                        && (int?)m.Tags["http.response.status_code"] == status && (m.Tags.GetValueOrDefault("fhir.type") as string) == type)
                    .Sum(m => m.Value);
        }

        public List<string> Queues()
        {
            _listener.RecordObservableInstruments();
            lock (_gate) return [.. _longs.Where(m => m.Instrument == "fhirportal.queue.size").Select(m => (string)m.Tags["queue"]!).Distinct()];
        }

        private void Add(string instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags) copy[tag.Key] = tag.Value;
            lock (_gate) _longs.Add((instrument, value, copy));
        }

        public void Dispose() => _listener.Dispose();
    }
}

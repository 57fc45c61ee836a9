using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FhirPortal.Storage;

/// <summary>
/// The server's own instruments, all on the meter <see cref="MeterName"/>: FHIR requests per interaction, store
/// latency, Cosmos request units, notification sends and the sizes of the background queues. Exporters (OpenTelemetry:
/// Prometheus, OTLP) or a <see cref="MeterListener"/> read them; without a listener recording costs next to nothing.
/// </summary>
public sealed class PortalMetrics : IDisposable
{
    public const string MeterName = "FhirPortal";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _storeDuration;
    private readonly Counter<double> _requestUnits;
    private readonly Counter<long> _notificationSends;
    private readonly Counter<long> _validations;
    private readonly ConcurrentDictionary<string, Func<long>> _queues = new();

    /// <param name="meterFactory">The host's factory (so each host, and each test host, has its own meter); a plain meter without one.</param>
    public PortalMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("fhirportal.requests", "{request}",
            "FHIR requests by resource type (fhir.type), interaction (fhir.interaction, fhir.operation) and HTTP status");
        _storeDuration = _meter.CreateHistogram("fhirportal.store.duration", "s", "Duration of store calls by operation (store.operation)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _requestUnits = _meter.CreateCounter<double>("fhirportal.cosmos.request_units", "{RU}",
            "Request units charged by Cosmos DB, by request kind (cosmos.operation)");
        _notificationSends = _meter.CreateCounter<long>("fhirportal.notifications.sends", "{notice}",
            "Notices the dispatcher tried to send, by outcome (sent, retry, not-done)");
        _validations = _meter.CreateCounter<long>("fhirportal.validations", "{resource}",
            "Resources validated on write, by resource type (fhir.type)");
        _meter.CreateObservableGauge("fhirportal.queue.size", ObserveQueues, "{item}",
            "Items waiting in a background queue (queue: audit, export, notification)");
    }

    /// <summary>Whether anything listens to the request counter (so callers can skip naming requests nobody counts).</summary>
    public bool CountsRequests => _requests.Enabled;

    public void CountRequest(string? type, string interaction, string? operation, int status)
    {
        if (!_requests.Enabled) return;
        var tags = new TagList { { "fhir.interaction", interaction }, { "http.response.status_code", status } };
        if (type is not null) tags.Add("fhir.type", type);
        if (operation is not null) tags.Add("fhir.operation", operation);
        _requests.Add(1, tags);
    }

    /// <summary>Whether anything listens to the store duration histogram.</summary>
    public bool TimesStoreCalls => _storeDuration.Enabled;

    public void RecordStoreCall(string operation, TimeSpan elapsed) =>
        _storeDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("store.operation", operation));

    public void AddRequestUnits(string operation, double charge) =>
        _requestUnits.Add(charge, new KeyValuePair<string, object?>("cosmos.operation", operation));

    public void CountNotificationSend(string outcome) =>
        _notificationSends.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void CountValidation(string type) => _validations.Add(1, new KeyValuePair<string, object?>("fhir.type", type));

    /// <summary>Publishes a queue's current size under <paramref name="queue"/> (read each time the gauge is collected).</summary>
    public void ObserveQueue(string queue, Func<long> size) => _queues[queue] = size;

    private IEnumerable<Measurement<long>> ObserveQueues() =>
        _queues.Select(q => new Measurement<long>(q.Value(), new KeyValuePair<string, object?>("queue", q.Key))).ToList();

    public void Dispose() => _meter.Dispose();
}

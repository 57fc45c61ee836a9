using System.Diagnostics.Metrics;
using FhirPortal.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Validation;

/// <summary>The write validations one host's FhirPortal meter counts, by resource type (other hosts have their own meter).</summary>
internal sealed class ValidationCounts : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _byType = new(StringComparer.Ordinal);

    public ValidationCounts(FhirPortalHost host)
    {
        var scope = host.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PortalMetrics.MeterName && instrument.Meter.Scope == scope && instrument.Name == "fhirportal.validations")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "fhir.type" && tag.Value is string type)
                    lock (_byType) _byType[type] = _byType.GetValueOrDefault(type) + value;
        });
        _listener.Start();
    }

    public long Of(string type) { lock (_byType) return _byType.GetValueOrDefault(type); }

    public void Dispose() => _listener.Dispose();
}

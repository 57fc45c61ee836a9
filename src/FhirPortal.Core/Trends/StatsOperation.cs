using FhirPortal.Core.Audit;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Trends;

/// <summary>
/// Observation/$stats (R4 observation-operation-stats.html): statistics over a subject's numeric observations per
/// code, each component counted under its own code (blood pressure gives systolic 8480-6 and diastolic 8462-4), each
/// sample of valueSampledData a value. Answers Parameters with one <c>statistic</c> Observation per series
/// (<see cref="TrendSeries"/>): its code, subject, effectivePeriod (first to last value) and one component per
/// statistic, in the series' unit. Reads the matches through the subject+code index, newest first, without POCOs.
/// </summary>
public sealed class StatsOperation(ObservationSelection selection, AccessAudit audit, TimeProvider clock)
{
    private const string DataAbsent = "http://terminology.hl7.org/CodeSystem/data-absent-reason";

    public Task<Parameters> ExecuteAsync(IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct) =>
        // The statistics are computed, not stored: the event names the patient and the query, not each observation read.
        audit.RecordAsync("operation", "Observation", AccessAudit.Describe("Observation/$stats", parameters),
            [.. parameters.Where(p => p.Key == "subject").Select(p => ObservationSelection.PatientId(p.Value)).OfType<string>()],
            () => RunAsync(parameters, ct), _ => []);

    private async Task<Parameters> RunAsync(IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var request = StatsRequest.Parse(parameters, clock.GetUtcNow());
        var query = await selection.QueryAsync(request.SearchParameters(), "$stats", ct);
        var values = new List<MeasuredValue>();
        await foreach (var observation in selection.ReadAsync(query, ct))
            values.AddRange(ObservationJson.Values(observation.Json.Span, request.Wants).Where(v => request.InWindow(v.Time)));
        var result = new Parameters();
        foreach (var series in TrendSeries.From(values))
            result.Parameter.Add(new Parameters.ParameterComponent { Name = "statistic", Resource = Observation(request, series) });
        return result;
    }

    private static Observation Observation(StatsRequest request, TrendSeries series)
    {
        var code = series.Code;
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept
            {
                Coding = [new Coding(code.System, code.Code, code.Display)],
                Text = series.Dimensions > 1 ? $"{code.Display ?? code.Code} (dimension {series.Dimension + 1} of {series.Dimensions})" : code.Display,
            },
            Subject = new ResourceReference(request.Subject.Contains('/') ? request.Subject : "Patient/" + request.Subject),
        };
        if (series.Values.Count > 0)
            observation.Effective = new Period(new FhirDateTime(series.Values[0].Time), new FhirDateTime(series.Values[^1].Time));
        foreach (var statistic in request.Statistics)
        {
            var component = new Observation.ComponentComponent { Code = new CodeableConcept(statistic.System, statistic.Code, statistic.Display, null) };
            var value = statistic.Compute(series.Values);
            if (value is null)
                component.DataAbsentReason = new CodeableConcept(DataAbsent, "not-applicable", "Not Applicable", null);
            else if (statistic.Code == "count")
                component.Value = new Integer((int)value.Value);
            else
                component.Value = new Quantity
                {
                    Value = value, Unit = series.Unit ?? series.UnitCode, Code = series.UnitCode,
                    System = series.UnitSystem ?? (series.UnitCode is null ? null : Search.UcumCanonical.System),
                };
            observation.Component.Add(component);
        }
        return observation;
    }
}

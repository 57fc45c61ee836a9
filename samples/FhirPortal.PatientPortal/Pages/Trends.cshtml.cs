using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Trends: weight and blood pressure over time, from the patient's vital-sign Observations.</summary>
public sealed class TrendsModel(PatientRecord record) : PageModel
{
    public const string Loinc = "http://loinc.org";
    public const string WeightCode = "29463-7", BloodPressureCode = "85354-9", SystolicCode = "8480-6", DiastolicCode = "8462-4";

    public TrendChart? Weight { get; private set; }
    public TrendChart? BloodPressure { get; private set; }

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        var weights = await record.SearchAsync<Observation>($"patient={record.PatientId}", $"code={Loinc}|{WeightCode}", "_sort=date", "_count=200");
        var pressures = await record.SearchAsync<Observation>($"patient={record.PatientId}", $"code={Loinc}|{BloodPressureCode}", "_sort=date", "_count=200");
        Weight = new TrendChart("weight-chart", "Weight", "kg", [new TrendSeries("Weight", TrendChart.Points(weights))]);
        BloodPressure = new TrendChart("blood-pressure-chart", "Blood pressure", "mm[Hg]",
            [new TrendSeries("Systolic", TrendChart.Points(pressures, SystolicCode)), new TrendSeries("Diastolic", TrendChart.Points(pressures, DiastolicCode))]);
    }
}

using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Results: lab Observations with reference ranges and flags, newest first, and the lab reports (DiagnosticReport).</summary>
public sealed class ResultsModel(PatientRecord record) : PageModel
{
    public List<Observation> Labs { get; private set; } = [];
    public List<DiagnosticReport> Reports { get; private set; } = [];

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        Labs = await record.SearchAsync<Observation>($"patient={record.PatientId}", "category=laboratory", "_sort=-date", "_count=50");
        Reports = await record.SearchAsync<DiagnosticReport>($"patient={record.PatientId}", "_sort=-date", "_count=20");
    }
}

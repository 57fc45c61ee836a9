using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Home: who is signed in, the next appointment and the latest lab results.</summary>
public sealed class IndexModel(PatientRecord record, TimeProvider clock) : PageModel
{
    public Patient? Patient { get; private set; }
    public Appointment? NextAppointment { get; private set; }
    public List<Observation> RecentResults { get; private set; } = [];

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        var client = await record.ClientAsync();
        Patient = await client.ReadAsync<Patient>(record.PatientReference);
        var now = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ");
        NextAppointment = (await record.SearchAsync<Appointment>($"patient={record.PatientId}", "status=booked", $"date=ge{now}", "_sort=date", "_count=1")).FirstOrDefault();
        RecentResults = await record.SearchAsync<Observation>($"patient={record.PatientId}", "category=laboratory", "_sort=-date", "_count=5");
    }
}

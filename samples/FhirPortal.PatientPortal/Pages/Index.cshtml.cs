using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Home: who is signed in, tiles for the next appointment, unread messages, balance due and forms to fill, and the latest lab results.</summary>
public sealed class IndexModel(PatientRecord record, Billing billing, TimeProvider clock) : PageModel
{
    /// <summary>Task code of a form the care team asked the patient to fill in (the server's forms feature).</summary>
    public const string FormTaskCode = "http://fhirportal.org/fhir/CodeSystem/portal-task|complete-questionnaire";

    /// <summary>Task statuses of an assignment not yet done (all but completed, cancelled, failed, rejected, entered-in-error).</summary>
    private const string OpenTaskStatuses = "draft,requested,received,accepted,ready,in-progress,on-hold";

    public Patient? Patient { get; private set; }
    public Appointment? NextAppointment { get; private set; }
    public List<Observation> RecentResults { get; private set; } = [];
    public int UnreadMessages { get; private set; }
    public int FormsToFill { get; private set; }

    /// <summary>What the patient owes: the sum of the server's <c>$balance</c> of each account, per currency.</summary>
    public List<Money> BalanceDue { get; private set; } = [];

    public async System.Threading.Tasks.Task OnGetAsync()
    {
        var client = await record.ClientAsync();
        Patient = await client.ReadAsync<Patient>(record.PatientReference);
        var now = clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ");
        NextAppointment = (await record.SearchAsync<Appointment>($"patient={record.PatientId}", "status=booked", $"date=ge{now}", "_sort=date", "_count=1")).FirstOrDefault();
        UnreadMessages = await record.CountAsync<Communication>($"recipient={record.PatientReference}", "received:missing=true");
        FormsToFill = await record.CountAsync<Hl7.Fhir.Model.Task>($"patient={record.PatientReference}", $"code={FormTaskCode}", $"status={OpenTaskStatuses}");
        BalanceDue = (await billing.AccountsAsync())
            .Select(a => a.Balance.Balance).OfType<Money>()
            .GroupBy(m => m.Currency)
            .Select(g => new Money { Currency = g.Key, Value = g.Sum(m => m.Value ?? 0) })
            .ToList();
        RecentResults = await record.SearchAsync<Observation>($"patient={record.PatientId}", "category=laboratory", "_sort=-date", "_count=5");
    }
}

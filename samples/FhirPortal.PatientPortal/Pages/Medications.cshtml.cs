using FhirPortal.PatientPortal.Fhir;
using Hl7.Fhir.Rest;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>
/// Medications: the prescriptions (MedicationRequest), current first, with their fills (MedicationDispense) and refill
/// requests (Task); "Request refill" on a current one runs $request-refill and shows the server's reason when it says no.
/// </summary>
public sealed class MedicationsModel(Refills refills) : PageModel
{
    public List<Prescription> Current { get; private set; } = [];
    public List<Prescription> Past { get; private set; } = [];

    [TempData] public string? Message { get; set; }
    public string? Error { get; private set; }

    public async System.Threading.Tasks.Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostRefillAsync(string prescription)
    {
        try
        {
            await refills.RequestAsync(prescription);
            Message = "Your refill was requested. The pharmacy will let you know when it is ready.";
            return RedirectToPage();
        }
        catch (FhirOperationException e) when ((int)e.Status is 409 or 422 or 403 or 404)
        {
            // 409: one request is already open; 422: a rule says no (no refills left, too early, not active...).
            var reason = ServerProblem.Text(e);
            Error = (int)e.Status == 409 ? "A refill was already requested for this prescription. " + reason : "The refill could not be requested: " + reason;
        }
        await LoadAsync();
        return Page();
    }

    private async System.Threading.Tasks.Task LoadAsync()
    {
        var all = await refills.PrescriptionsAsync();
        Current = all.Where(p => p.IsActive).ToList();
        Past = all.Where(p => !p.IsActive).ToList();
    }
}

using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Where a failed or declined sign-in lands, with a plain explanation (details go to the log, not the page).</summary>
public sealed class SignInProblemModel : PageModel
{
    public bool Declined { get; private set; }
    public bool NotPatient { get; private set; }

    public void OnGet(string? reason)
    {
        Declined = reason == "declined";
        NotPatient = reason == "not-patient";
    }
}

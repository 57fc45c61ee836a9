using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Pages;

/// <summary>Account: the server's own security pages (sign-in settings live with the account, not in this app).</summary>
public sealed class AccountModel(IOptions<PortalOptions> options) : PageModel
{
    public string ServerPage(string path) => new Uri(options.Value.ServerRoot, path).ToString();

    public string? FhirUser => User.FindFirst("fhirUser")?.Value;

    public void OnGet() { }
}

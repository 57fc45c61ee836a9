using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>"Who viewed my record": a patient account's access log, newest first, a page at a time.</summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class AccessLogModel(UserManager<PortalUser> users, AccessLog log) : PageModel
{
    private const int PageSize = 25;

    public bool IsPatient { get; private set; }
    public AccessLogPage Log { get; private set; } = new([], null);

    public async Task<IActionResult> OnGetAsync(string? cursor)
    {
        if (await users.GetUserAsync(User) is not { } user) return Redirect("/auth/login");
        IsPatient = user.PatientId is not null;
        if (user.PatientId is { } patient) Log = await log.ForAsync(HttpContext, patient, PageSize, cursor, HttpContext.RequestAborted);
        return Page();
    }
}

using System.Globalization;
using FhirPortal.Auth.Billing;
using FhirPortal.Core;
using FhirPortal.Core.Billing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// Guest bill pay (<c>/billing/pay</c>): a guarantor ID or statement number and a date of birth open a short guest
/// session on that one Account (<see cref="GuestSessions"/>), which shows its balance and payments and starts a
/// payment through the same path as <c>Invoice/$pay</c>. No portal account; rate limited per address.
/// </summary>
[EnableRateLimiting(GuestPayOptions.RateLimitPolicy)]
public sealed class GuestPayModel(GuestLookup lookup, GuestSessions sessions, GuestBilling billing) : PageModel
{
    public const string Mismatch = "We could not find a bill with these details. Check the guarantor ID or statement number and the date of birth on your statement.";

    [BindProperty] public string? Number { get; set; }
    [BindProperty] public string? BirthDate { get; set; }
    [BindProperty] public string? InvoiceId { get; set; }
    [BindProperty] public string? Amount { get; set; }

    public GuestAccountView? View { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (sessions.AccountOf(HttpContext) is { } account) await ShowAsync(account);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Number) || string.IsNullOrWhiteSpace(BirthDate)) return Fail("Fill in both fields.", 400);
        switch (await lookup.FindAsync(Number, BirthDate, HttpContext.RequestAborted))
        {
            case GuestLookupResult.Found found:
                sessions.Start(HttpContext, found.AccountId);
                return RedirectToPage();
            case GuestLookupResult.Locked locked:
                return Fail($"Lookups with this number are paused after too many attempts. Try again after {locked.Until:yyyy-MM-dd HH:mm} UTC, or call the billing office.", 429);
            default:
                return Fail(Mismatch, 400);
        }
    }

    public async Task<IActionResult> OnPostPayAsync()
    {
        if (sessions.AccountOf(HttpContext) is not { } account) return Fail("Your session has ended. Look up your bill again.", 401);
        decimal? amount = null;
        if (!string.IsNullOrWhiteSpace(Amount))
        {
            if (!decimal.TryParse(Amount, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
                return await FailInSessionAsync(account, "Enter the amount as a number, for example 25.00.", 400);
            amount = value;
        }
        try
        {
            var started = await billing.PayAsync(account, InvoiceId ?? "", amount, null, HttpContext.Connection.RemoteIpAddress?.ToString(), HttpContext.RequestAborted);
            return Redirect(started.GetSingleValue<Hl7.Fhir.Model.FhirUri>("url")?.Value ?? "/billing/pay");
        }
        catch (FhirOutcomeException e)
        {
            return await FailInSessionAsync(account, e.Message, e.Status);
        }
    }

    public IActionResult OnPostEnd()
    {
        sessions.End(HttpContext);
        return RedirectToPage();
    }

    private async Task<IActionResult> FailInSessionAsync(string account, string error, int status)
    {
        await ShowAsync(account);
        return Fail(View is null ? $"{error} {Gone}" : error, status);
    }

    private const string Gone = "This bill is no longer available; look it up again.";

    /// <summary>The session's Account; one deleted since the lookup ends the session, so the lookup form shows again.</summary>
    private async Task ShowAsync(string account)
    {
        try
        {
            View = await billing.ViewAsync(account, HttpContext.RequestAborted);
        }
        catch (FhirOutcomeException e) when (e.Status is 404 or 410)
        {
            sessions.End(HttpContext);
            Error = Gone;
        }
    }

    private PageResult Fail(string error, int status)
    {
        Error = error;
        Response.StatusCode = status;
        return Page();
    }
}

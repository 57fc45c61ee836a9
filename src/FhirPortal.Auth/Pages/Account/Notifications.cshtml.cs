using FhirPortal.Auth.Accounts.Notices;
using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Notifications;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace FhirPortal.Auth.Pages.Account;

/// <summary>
/// A patient's notice settings: a channel per kind (automatic from the contact details on the record, email, text, none)
/// and a text opt-out that does what a STOP reply does. Texts need a number verified on /auth/account/phone.
/// </summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class NotificationsModel(UserManager<PortalUser> users, AuthDbContext db, SmsOptOut optOut, AccountEvents events, TimeProvider clock) : PageModel
{
    /// <summary>The kinds in page order, with what the page calls them.</summary>
    public static readonly (string Kind, string Label)[] Kinds =
        [(NoticeKinds.Reminders, "Appointment reminders"), (NoticeKinds.Results, "New test results"), (NoticeKinds.Messages, "Messages from your care team"), (NoticeKinds.Billing, "Statements and bills")];

    /// <summary>The value the form posts for "follow the contact details on my record" (no stored choice).</summary>
    public const string Automatic = "auto";

    /// <summary>The posted choice per kind (<c>auto</c>, <c>email</c>, <c>sms</c>, <c>none</c>).</summary>
    [BindProperty] public Dictionary<string, string> Choice { get; set; } = [];
    public bool IsPatient { get; private set; }
    public string? VerifiedNumber { get; private set; }
    public string? Error { get; private set; }
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (await LoadAsync() is null) return Redirect("/auth/login");
        return Page();
    }

    /// <summary>Stores the choices; a kind set to automatic drops its stored choice.</summary>
    public async Task<IActionResult> OnPostSaveAsync()
    {
        var posted = Choice;
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (!IsPatient) return Failed("Notices are sent to patients: this account is not linked to a patient record.");
        var chosen = new Dictionary<string, NoticeChoice?>();
        foreach (var (kind, _) in Kinds)
        {
            var value = posted.GetValueOrDefault(kind) ?? Automatic;
            if (value != Automatic && NoticeChoices.Parse(value) is null) return Failed("Choose email, text, none or automatic for each kind of notice.");
            if (value == "sms" && VerifiedNumber is null) return Failed("Verify a mobile number before choosing texts.");
            chosen[kind] = value == Automatic ? null : NoticeChoices.Parse(value);
        }
        var patientId = user.PatientId!;
        var stored = await db.NoticePreferences.Where(p => p.PatientId == patientId).ToDictionaryAsync(p => p.Kind, HttpContext.RequestAborted);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (kind, choice) in chosen)
        {
            stored.TryGetValue(kind, out var row);
            if (choice is null) { if (row is not null) db.NoticePreferences.Remove(row); continue; }
            if (row is null) db.NoticePreferences.Add(row = new NoticePreference { PatientId = patientId, Kind = kind });
            (row.Channel, row.UpdatedAt) = (NoticeChoices.Code(choice.Value), now);
        }
        await db.SaveChangesAsync(HttpContext.RequestAborted);
        var summary = string.Join(", ", chosen.Select(c => $"{c.Key}: {(c.Value is { } v ? NoticeChoices.Code(v) : Automatic)}"));
        await events.ChangedAsync(user, "notification-preferences", "Notification preferences changed", $"Notices by {summary}.");
        await LoadAsync();
        Message = "Your notification settings are saved.";
        return Page();
    }

    /// <summary>Stops texts to the verified number, as a STOP reply to one of our texts would.</summary>
    public async Task<IActionResult> OnPostOptOutAsync()
    {
        if (await LoadAsync() is not { } user) return Redirect("/auth/login");
        if (VerifiedNumber is not { } number) return Failed("There is no verified mobile number to stop texts to.");
        await optOut.OptOutAsync(number, HttpContext.RequestAborted, user.PatientId);
        await events.ChangedAsync(user, "sms-opt-out", "Texts stopped", $"Texts to the number {MobileNumbers.Hint(number)} stopped; notices go by email.");
        Message = "We will not text this number any more; notices go by email.";
        return Page();
    }

    private async Task<PortalUser?> LoadAsync()
    {
        if (await users.GetUserAsync(User) is not { } user) return null;
        IsPatient = user.IsPatient;
        VerifiedNumber = user.PhoneNumberConfirmed ? user.PhoneNumber : null;
        Choice = Kinds.ToDictionary(k => k.Kind, _ => Automatic);
        if (user.PatientId is { } patientId)
            foreach (var p in await db.NoticePreferences.AsNoTracking().Where(p => p.PatientId == patientId).ToListAsync(HttpContext.RequestAborted))
                if (NoticeChoices.Parse(p.Channel) is not null) Choice[p.Kind] = p.Channel;
        return user;
    }

    private IActionResult Failed(string error)
    {
        Error = error;
        Response.StatusCode = 400;
        return Page();
    }
}

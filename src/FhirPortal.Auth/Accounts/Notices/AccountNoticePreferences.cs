using FhirPortal.Auth.Data;
using FhirPortal.Core.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Accounts.Notices;

/// <summary>
/// Core's <see cref="INoticePreferences"/> from the account database: the per-kind choices stored for the patient and
/// the numbers the patient's accounts verified (Identity's PhoneNumber with PhoneNumberConfirmed, stored in E.164).
/// </summary>
public sealed class AccountNoticePreferences(IServiceScopeFactory scopes) : INoticePreferences
{
    public async Task<NoticeSettings?> FindAsync(string patientId, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var fhirUser = "Patient/" + patientId;
        var accounts = await db.Users.AsNoTracking().Where(u => u.FhirUser == fhirUser)
            .Select(u => new { u.PhoneNumber, u.PhoneNumberConfirmed }).ToListAsync(ct);
        if (accounts.Count == 0) return null;
        var choices = await db.NoticePreferences.AsNoTracking().Where(p => p.PatientId == patientId).ToListAsync(ct);
        return new NoticeSettings(
            choices.Where(c => NoticeChoices.Parse(c.Channel) is not null).ToDictionary(c => c.Kind, c => NoticeChoices.Parse(c.Channel)!.Value),
            accounts.Where(a => a.PhoneNumberConfirmed && a.PhoneNumber is not null).Select(a => a.PhoneNumber!).ToHashSet());
    }
}

/// <summary>The stored form of a <see cref="NoticeChoice"/>: <c>email</c>, <c>sms</c>, <c>none</c>.</summary>
public static class NoticeChoices
{
    public static string Code(NoticeChoice choice) => choice switch { NoticeChoice.Sms => "sms", NoticeChoice.None => "none", _ => "email" };

    public static NoticeChoice? Parse(string? code) => code switch
    {
        "email" => NoticeChoice.Email,
        "sms" => NoticeChoice.Sms,
        "none" => NoticeChoice.None,
        _ => null,
    };
}

using FhirPortal.Auth.Data;
using FhirPortal.Auth.Mail;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>The account mails (confirm address, reset password, user name reminder), with links to this server's pages.</summary>
public sealed class AccountMail(IPortalMail mail, UserManager<PortalUser> users, IOptions<AccountOptions> options)
{
    public async Task SendConfirmationAsync(HttpContext http, PortalUser user, string? name, CancellationToken ct)
    {
        var token = await users.GenerateEmailConfirmationTokenAsync(user);
        var link = Link(http, "/auth/confirm-email", user.Id, token);
        await mail.SendAsync(user.Email!, "Confirm your FhirPortal email address",
            $"""
            Hello {name ?? user.UserName},

            Your FhirPortal account '{user.UserName}' has been created. Confirm your email address to be able to sign in:

            {link}

            The link works for {Describe(options.Value.EmailConfirmationLifetime)}. If you did not register, ignore this mail.
            """, ct);
    }

    public async Task SendPasswordResetAsync(HttpContext http, PortalUser user, CancellationToken ct)
    {
        var token = await users.GeneratePasswordResetTokenAsync(user);
        var link = Link(http, "/auth/reset-password", user.Id, token);
        await mail.SendAsync(user.Email!, "Reset your FhirPortal password",
            $"""
            Someone (hopefully you) asked to reset the password of the FhirPortal account '{user.UserName}'.
            Choose a new password here:

            {link}

            The link works once, for {Describe(options.Value.PasswordResetLifetime)}. If you did not ask, ignore this mail: your password stays as it is.
            """, ct);
    }

    public Task SendUserNamesAsync(string email, IEnumerable<string> userNames, CancellationToken ct) =>
        mail.SendAsync(email, "Your FhirPortal user name",
            $"""
            You asked which FhirPortal account uses this email address. Sign in with:

            {string.Join(Environment.NewLine, userNames.Select(n => "  " + n))}

            If you did not ask, ignore this mail.
            """, ct);

    private static string Link(HttpContext http, string page, string userId, string token) =>
        $"{FhirBase.Issuer(http)}{page}?userId={Uri.EscapeDataString(userId)}&code={Uri.EscapeDataString(token)}";

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#} days" : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours" : $"{span.TotalMinutes:0} minutes";
}

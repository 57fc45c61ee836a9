using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace FhirPortal.Auth.Mail;

/// <summary>Sends account mail (activation, one-time passcodes, resets): over SMTP when configured, else as .eml files.</summary>
public interface IPortalMail
{
    System.Threading.Tasks.Task SendAsync(string to, string subject, string textBody, CancellationToken ct = default);

    /// <summary>A mail with a plain-text and an HTML version (multipart/alternative); null HTML: text only.</summary>
    System.Threading.Tasks.Task SendAsync(string to, string subject, string textBody, string? htmlBody, CancellationToken ct = default);
}

/// <summary>MailKit-based <see cref="IPortalMail"/>: SMTP when <see cref="MailOptions.SmtpHost"/> is set, else the pickup folder.</summary>
public sealed class PortalMail(IOptions<MailOptions> options, IServiceProvider services, ILogger<PortalMail> logger) : IPortalMail
{
    public System.Threading.Tasks.Task SendAsync(string to, string subject, string textBody, CancellationToken ct = default) =>
        SendAsync(to, subject, textBody, null, ct);

    public async System.Threading.Tasks.Task SendAsync(string to, string subject, string textBody, string? htmlBody, CancellationToken ct = default)
    {
        var o = options.Value;
        var message = new MimeMessage
        {
            Subject = subject,
            Body = htmlBody is null ? new TextPart("plain") { Text = textBody } : new BodyBuilder { TextBody = textBody, HtmlBody = htmlBody }.ToMessageBody(),
        };
        message.From.Add(MailboxAddress.Parse(o.From));
        message.To.Add(MailboxAddress.Parse(to));

        if (string.IsNullOrEmpty(o.SmtpHost))
        {
            var folder = PickupFolder(o);
            Directory.CreateDirectory(folder);
            // Time-ordered names: the newest file is the latest mail (tests and people read them in order).
            var path = Path.Combine(folder, $"{DateTime.UtcNow:yyyyMMddTHHmmssfffffff}-{Guid.NewGuid():N}.eml");
            await message.WriteToAsync(path, ct);
            logger.LogInformation("Mail '{Subject}' written to {Path}", subject, path);
            return;
        }
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(o.SmtpHost, o.SmtpPort, o.SmtpSecurity, ct);
        if (!string.IsNullOrEmpty(o.SmtpUserName)) await smtp.AuthenticateAsync(o.SmtpUserName, o.SmtpPassword ?? "", ct);
        await smtp.SendAsync(message, ct);
        await smtp.DisconnectAsync(true, ct);
    }

    /// <summary>The folder .eml files go to (absolute; relative settings resolve against the data directory).</summary>
    public string PickupFolder(MailOptions o) => Path.Combine(AuthServiceRegistration.DataDirectory(services), o.PickupDirectory);
}

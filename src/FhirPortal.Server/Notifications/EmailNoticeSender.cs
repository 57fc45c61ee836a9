using FhirPortal.Auth.Mail;
using FhirPortal.Core.Notifications;

namespace FhirPortal.Server.Notifications;

/// <summary>Notices by email, through the account mail settings (<see cref="IPortalMail"/>: SMTP, or .eml files without a host).</summary>
internal sealed class EmailNoticeSender(IPortalMail mail) : INoticeSender
{
    public NoticeChannel Channel => NoticeChannel.Email;

    public Task SendAsync(OutgoingNotice notice, CancellationToken ct) => mail.SendAsync(notice.To, notice.Subject, notice.Text, ct);
}

using FhirPortal.Auth.Mail;
using FhirPortal.Core.Notifications;

namespace FhirPortal.Server.Notifications;

/// <summary>
/// Notices by email, through the account mail settings (<see cref="IPortalMail"/>: SMTP, or .eml files without a host),
/// framed by the kind's templates (<see cref="NoticeTemplates"/>) as plain text and HTML.
/// </summary>
internal sealed class EmailNoticeSender(IPortalMail mail, NoticeTemplates templates) : INoticeSender
{
    public NoticeChannel Channel => NoticeChannel.Email;

    public Task SendAsync(OutgoingNotice notice, CancellationToken ct)
    {
        var body = templates.Render(notice);
        return mail.SendAsync(notice.To, notice.Subject, body.Text, body.Html, ct);
    }
}

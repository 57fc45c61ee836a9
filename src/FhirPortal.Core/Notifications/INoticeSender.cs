namespace FhirPortal.Core.Notifications;

/// <summary>One outgoing message: the channel, the address (email or phone number), a subject (email only) and the text.</summary>
public sealed record OutgoingNotice(NoticeChannel Channel, string To, string Subject, string Text);

/// <summary>
/// Delivers notices of one channel to the outside world (SMTP, Twilio, or files in development). Implemented by the
/// host, so Core does not depend on MailKit or Twilio. A throw means "not sent": the dispatcher retries later.
/// </summary>
public interface INoticeSender
{
    NoticeChannel Channel { get; }

    Task SendAsync(OutgoingNotice notice, CancellationToken ct);
}

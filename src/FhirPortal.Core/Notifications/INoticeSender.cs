namespace FhirPortal.Core.Notifications;

/// <summary>One outgoing message: the channel, the address (email or phone number), a subject (email only) and the text.</summary>
/// <param name="Kind">Which template frames it: reminders, results, messages or billing (<see cref="NoticeKinds"/>).</param>
/// <param name="Culture">The patient's language (BCP 47, e.g. <c>es</c>), for the template; null: the default.</param>
public sealed record OutgoingNotice(NoticeChannel Channel, string To, string Subject, string Text, string Kind = NoticeKinds.Messages, string? Culture = null);

/// <summary>The kinds of notices (templates, and later per-kind preferences), from a notice's portal-message-category.</summary>
public static class NoticeKinds
{
    public const string Reminders = "reminders";
    public const string Results = "results";
    public const string Messages = "messages";
    public const string Billing = "billing";

    public static string Of(Hl7.Fhir.Model.Communication notice) =>
        notice.Category.SelectMany(c => c.Coding).FirstOrDefault(c => c.System == NoticeOutbox.CategorySystem)?.Code switch
        {
            "appointment" => Reminders,
            "results" => Results,
            "billing" => Billing,
            _ => Messages,
        };

    /// <summary>The patient's preferred language (<c>Patient.communication</c>, preferred first), or null.</summary>
    public static string? Culture(Hl7.Fhir.Model.Patient patient) =>
        patient.Communication.OrderByDescending(c => c.Preferred == true)
            .SelectMany(c => c.Language?.Coding ?? []).Select(c => c.Code).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));
}

/// <summary>
/// Delivers notices of one channel to the outside world (SMTP, Twilio, or files in development). Implemented by the
/// host, so Core does not depend on MailKit or Twilio. A throw means "not sent": the dispatcher retries later.
/// </summary>
public interface INoticeSender
{
    NoticeChannel Channel { get; }

    /// <summary>
    /// Whether a message reaches the person: a real gateway, or a development sink (files) the operator chose. Account
    /// texts (sign-in codes, number verification) are offered only when it does: a code written to a file on the
    /// server would lock a person out.
    /// </summary>
    bool ReachesPeople => true;

    Task SendAsync(OutgoingNotice notice, CancellationToken ct);
}

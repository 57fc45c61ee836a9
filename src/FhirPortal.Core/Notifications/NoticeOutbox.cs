using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;

namespace FhirPortal.Core.Notifications;

/// <summary>A notice to queue: for whom, of which portal-message-category, about what, and its text (no results or other PHI).</summary>
/// <param name="Key">Identifier value (system <see cref="NoticeOutbox.IdentifierSystem"/>); deterministic for notices that must not be queued twice.</param>
/// <param name="NotBefore">Held until then (a result's release delay); null: due at once.</param>
public sealed record Notice(string PatientId, string Category, ResourceReference About, string Subject, string Text, string Key, DateTimeOffset? NotBefore = null);

/// <summary>
/// The outbox: a notice is a <c>Communication</c> in the patient's compartment with status <c>preparation</c> ("to send"),
/// staged in the same unit of work as the change that causes it, so it commits (or not) with that change and is never
/// lost. <see cref="NotificationDispatcher"/> sends it later; a slow or dead mail server never touches the write.
/// </summary>
/// <remarks>
/// Notices are the server's own Communications: sender the organization, a <c>medium</c> (email/SMS) and an identifier
/// of <see cref="IdentifierSystem"/>. Person-to-person messages (secure messaging) have a Patient or Practitioner as
/// sender and no such identifier, so the two never mix.
/// </remarks>
public sealed class NoticeOutbox(IOptions<NotificationOptions> options)
{
    public const string IdentifierSystem = "http://fhirportal.org/fhir/notification";
    public const string CategorySystem = "http://fhirportal.org/fhir/CodeSystem/portal-message-category";

    /// <summary>When the dispatcher may next act on the notice (next attempt, or end of a claim's lease).</summary>
    public const string DueExtension = "http://fhirportal.org/fhir/StructureDefinition/notification-due";

    /// <summary>How many times sending was attempted.</summary>
    public const string AttemptsExtension = "http://fhirportal.org/fhir/StructureDefinition/notification-attempts";

    public NotificationOptions Options => options.Value;

    /// <summary>
    /// Stages the notice's Communication for the patient's preferred channel; with no email or text-capable number on
    /// file it is recorded at once as <c>not-done</c>, so the portal's message history still shows it.
    /// </summary>
    public async Task<StoredResource> StageAsync(UnitOfWork unit, Notice notice, CancellationToken ct)
    {
        var patient = await unit.CurrentAsync(new ResourceKey("Patient", notice.PatientId), ct) is { IsDeleted: false } p
            ? FhirParser.ParseStored(p.Json.Span) as Patient : null;
        // Built here from fixed parts (NoticeValidityTests: valid against portal-communication), so not validated again.
        return unit.StageNewTrustedForRule(Build(notice, patient, unit.Now));
    }

    /// <summary>The notice's Communication for <paramref name="patient"/> (null: unknown, so no channel) at <paramref name="now"/>.</summary>
    internal Communication Build(Notice notice, Patient? patient, DateTimeOffset now)
    {
        var channel = patient is null ? null : NoticeChannels.Preferred(patient);
        var communication = new Communication
        {
            Identifier = [new Identifier(IdentifierSystem, notice.Key)],
            Status = channel is null ? EventStatus.NotDone : EventStatus.Preparation,
            Category = [new CodeableConcept(CategorySystem, notice.Category)],
            Medium = channel is { } c ? [NoticeChannels.Medium(c)] : [],
            Subject = new ResourceReference($"Patient/{notice.PatientId}"),
            Recipient = [new ResourceReference($"Patient/{notice.PatientId}")],
            Sender = Sender(),
            About = [notice.About],
            Topic = new CodeableConcept { Text = notice.Subject },
            Payload = [new Communication.PayloadComponent { Content = new FhirString(notice.Text) }],
        };
        if (channel is null)
            communication.StatusReason = new CodeableConcept { Text = "No email address or mobile number on file." };
        else
            SetState(communication, notice.NotBefore is { } at && at > now ? at : now, attempts: 0);
        return communication;
    }

    public ResourceReference Sender() => Options.SenderReference is { Length: > 0 } reference
        ? new ResourceReference(reference, Options.OrganizationName)
        : new ResourceReference { Display = Options.OrganizationName };

    /// <summary>Sets when the notice is next due and its attempt count.</summary>
    public static void SetState(Communication communication, DateTimeOffset due, int attempts)
    {
        communication.SetExtension(DueExtension, new FhirDateTime(due.ToUniversalTime()));
        communication.SetExtension(AttemptsExtension, new Integer(attempts));
    }

    public static DateTimeOffset? Due(Communication communication) =>
        communication.GetExtensionValue<FhirDateTime>(DueExtension)?.ToDateTimeOffset(TimeSpan.Zero);

    public static int Attempts(Communication communication) =>
        communication.GetExtensionValue<Integer>(AttemptsExtension)?.Value ?? 0;

    /// <summary>Whether a notice is one of the server's (not a person-to-person message).</summary>
    public static bool IsNotice(Communication communication) => communication.Identifier.Any(i => i.System == IdentifierSystem);
}

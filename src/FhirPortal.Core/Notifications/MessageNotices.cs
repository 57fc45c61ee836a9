using FhirPortal.Core.Messaging;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// "New message" notices: a Communication sent (status in-progress or completed) by the care team (sender a
/// Practitioner, PractitionerRole, Organization or CareTeam) to a patient (recipient). One per message and patient
/// (identifier <c>message/{id}/{patient}</c>); the text never quotes the message. A message <c>sent</c> longer than
/// <see cref="NotificationOptions.NoticeMaxAge"/> ago (a migrated mailbox) is not announced.
/// </summary>
internal static class MessageNotices
{
    public const string Text = "You have a new message in your portal.";
    private static readonly HashSet<string> CareTeamSenders = ["Practitioner", "PractitionerRole", "Organization", "CareTeam"];

    /// <summary>The notices a Communication write calls for: none unless it is a care-team message sent just now.</summary>
    public static IEnumerable<Notice> Of(UnitOfWork unit, StagedWrite write, NotificationOptions options)
    {
        var now = unit.Now;
        if (unit.ResourceOf(write.Version) is not Communication after || NoticeOutbox.IsNotice(after) || !IsSent(after)) yield break;
        if (options.IsHistory(after.SentElement?.ToDateTimeOffset(TimeSpan.Zero), now)) yield break;
        if (Parse(write.Previous) is { } before && IsSent(before)) yield break; // an update of a message already sent
        if (MessageReferences.Local(after.Sender?.Reference) is not [var senderType, _] || !CareTeamSenders.Contains(senderType)) yield break;
        var id = write.Version.Key.Id;
        var patients = after.Recipient.Select(r => MessageReferences.Local(r.Reference)).OfType<string[]>()
            .Where(r => r[0] == "Patient").Select(r => r[1]).Distinct();
        foreach (var patient in patients)
            yield return new Notice(patient, "general", new ResourceReference($"Communication/{id}"), "New message", Text, $"message/{id}/{patient}");
    }

    private static bool IsSent(Communication message) => message.Status is EventStatus.InProgress or EventStatus.Completed;

    private static Communication? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as Communication : null;
}

using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>How a notice reaches the patient; in a Communication it is <c>medium</c> (v3 ParticipationMode).</summary>
public enum NoticeChannel { Email, Sms }

/// <summary>The ParticipationMode codes of the channels, and the Patient.telecom entries they go to.</summary>
public static class NoticeChannels
{
    public const string MediumSystem = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode";

    public static CodeableConcept Medium(NoticeChannel channel) => channel == NoticeChannel.Email
        ? new CodeableConcept(MediumSystem, "EMAILWRIT", "email")
        : new CodeableConcept(MediumSystem, "SMSWRIT", "SMS message");

    public static NoticeChannel? FromMedium(IEnumerable<CodeableConcept> medium)
    {
        foreach (var coding in medium.SelectMany(m => m.Coding).Where(c => c.System == MediumSystem))
            if (coding.Code == "EMAILWRIT") return NoticeChannel.Email;
            else if (coding.Code == "SMSWRIT") return NoticeChannel.Sms;
        return null;
    }

    /// <summary>The patient's address for <paramref name="channel"/>: the best-ranked (lowest rank) email, or sms/mobile phone.</summary>
    public static string? Address(Patient patient, NoticeChannel channel) => Addresses(patient, channel).FirstOrDefault();

    /// <summary>The patient's addresses for <paramref name="channel"/>, best-ranked first (opted-out numbers left out).</summary>
    public static IEnumerable<string> Addresses(Patient patient, NoticeChannel channel) =>
        Candidates(patient).Where(c => c.Channel == channel).Select(c => c.Value);

    /// <summary>A number as written in a telecom entry, reduced to E.164 form (+ and digits: spaces, dashes, brackets dropped).</summary>
    public static string E164(string number) => string.Concat(number.Where(c => char.IsAsciiDigit(c) || c == '+'));

    /// <summary>
    /// The channel a notice goes by: the patient's best-ranked email or text-capable number (email first on a tie);
    /// null when the patient has neither.
    /// </summary>
    public static NoticeChannel? Preferred(Patient patient) =>
        Candidates(patient).Select(c => (NoticeChannel?)c.Channel).FirstOrDefault();

    private static IEnumerable<(NoticeChannel Channel, string Value)> Candidates(Patient patient) =>
        patient.Telecom
            .Where(t => !string.IsNullOrWhiteSpace(t.Value) && t.Period?.End is null && t.Use != ContactPoint.ContactPointUse.Old)
            .Select(t => (Point: t, Channel: ChannelOf(t)))
            .Where(x => x.Channel is not null)
            .OrderBy(x => x.Point.Rank ?? int.MaxValue).ThenBy(x => x.Channel)
            .Select(x => (x.Channel!.Value, x.Point.Value!.Trim()));

    /// <summary>Whether the number replied STOP (<see cref="SmsOptOut"/>): it gets no more texts.</summary>
    public static bool OptedOut(ContactPoint point) => point.Extension.Any(e => e.Url == SmsOptOut.OptOutExtension);

    private static NoticeChannel? ChannelOf(ContactPoint point) => OptedOut(point) ? null : point.System switch
    {
        ContactPoint.ContactPointSystem.Email => NoticeChannel.Email,
        ContactPoint.ContactPointSystem.Sms => NoticeChannel.Sms,
        ContactPoint.ContactPointSystem.Phone when point.Use == ContactPoint.ContactPointUse.Mobile => NoticeChannel.Sms,
        _ => null,
    };
}

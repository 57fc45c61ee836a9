using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>What a patient chose for one kind of notice.</summary>
public enum NoticeChoice { Email, Sms, None }

/// <summary>
/// A patient's notice settings from their portal account(s): a choice per kind (<see cref="NoticeKinds"/>; a kind
/// missing follows Patient.telecom) and the mobile numbers an account of the patient has verified (E.164).
/// </summary>
public sealed record NoticeSettings(IReadOnlyDictionary<string, NoticeChoice> Choices, IReadOnlyCollection<string> VerifiedNumbers);

/// <summary>
/// The patient's notice settings, read at send time. Implemented by the authorization server (accounts live there),
/// so Core does not depend on it; without an implementation every patient is treated as having no account.
/// </summary>
public interface INoticePreferences
{
    /// <summary>The settings of the patient's accounts, or null when no portal account is linked to the patient.</summary>
    Task<NoticeSettings?> FindAsync(string patientId, CancellationToken ct);
}

/// <summary>Where one notice goes: the channel and address, or why it is not sent (final: not retried).</summary>
public sealed record NoticeRoute(NoticeChannel? Channel, string? To, string? Refusal)
{
    /// <summary>The reason a notice ends not-done when the patient chose no notices of its kind.</summary>
    public const string PatientPreference = "Not sent: patient preference (no notices of this kind).";

    /// <summary>
    /// Routes a notice queued for <paramref name="queued"/>. A patient without an account (null settings) keeps the
    /// queued channel and its Patient.telecom address: such a patient has no way to verify a number. With an account,
    /// the patient's choice for the kind decides (default: the queued channel, i.e. Patient.telecom by rank), and a
    /// text goes only to a Patient.telecom number (not opted out) that one of the patient's accounts verified;
    /// otherwise it falls back to email.
    /// </summary>
    public static NoticeRoute For(Patient patient, NoticeChannel queued, string kind, NoticeSettings? settings)
    {
        if (settings is null) return Addressed(queued, NoticeChannels.Address(patient, queued));
        var choice = settings.Choices.TryGetValue(kind, out var chosen) ? chosen : queued == NoticeChannel.Sms ? NoticeChoice.Sms : NoticeChoice.Email;
        if (choice == NoticeChoice.None) return new NoticeRoute(null, null, PatientPreference);
        if (choice == NoticeChoice.Sms
            && NoticeChannels.Addresses(patient, NoticeChannel.Sms).FirstOrDefault(n => settings.VerifiedNumbers.Contains(NoticeChannels.E164(n))) is { } number)
            return new NoticeRoute(NoticeChannel.Sms, NoticeChannels.E164(number), null);
        return Addressed(NoticeChannel.Email, NoticeChannels.Address(patient, NoticeChannel.Email));
    }

    private static NoticeRoute Addressed(NoticeChannel channel, string? address) => address is null
        ? new NoticeRoute(null, null, $"The patient has no {(channel == NoticeChannel.Email ? "email address" : "mobile number")} on file.")
        : new NoticeRoute(channel, address, null);
}

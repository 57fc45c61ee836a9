using System.Globalization;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// Secure-messaging rules, run on every Communication write (REST, transactions, operations).
/// </summary>
/// <remarks>
/// Boundary: the rules govern messages persons send now, i.e. Communications written by a patient's app or account or
/// by a practitioner user (<see cref="MessageAuthor"/>). Records are stored as given: what the server writes itself
/// (appointment confirmations, notification records, staged by a write rule), and what <c>system/</c> clients import
/// (message history, Synthea, the data generator) or security-off requests write.
/// <list type="bullet">
/// <item>A patient sends only as themselves (sender and subject the patient, else 403/422) and only to their care
/// team (<see cref="CareTeamRecipients"/>, else 422).</item>
/// <item>The server sets <c>sent</c> (status other than preparation) and the thread: a reply (<c>inResponseTo</c>)
/// gets <c>partOf</c> = the thread's first message when the client leaves it out.</item>
/// <item>A sent message is immutable for persons: a change is 422, a delete 405 (corrections are new messages);
/// only the server changes it (<c>received</c>, by $mark-read).</item>
/// </list>
/// </remarks>
internal sealed class MessagingRules(CareTeamRecipients careTeams) : IWriteRule
{
    public async Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "Communication" || write.ByServer) return;
        if (MessageAuthor.Of(unit.Access) is not { } author) return;
        var before = Parse(write.Previous);
        var after = Parse(write.Version);
        if (before?.Sent is not null)
        {
            if (after is null)
                throw FhirOutcomeException.MethodNotAllowed($"{write.Version.Key} was sent and cannot be deleted; send a correction as a new message.");
            if (!SameContent(before, after))
                throw FhirOutcomeException.Unprocessable(
                    $"{write.Version.Key} was sent and cannot be changed; send a correction as a new message (inResponseTo it).", "Communication");
            return;
        }
        if (after is null) return;

        if (author.IsPatient) await CheckPatientMessageAsync(unit, author, after, ct);
        var changed = await ThreadAsync(unit, after, author, ct);
        if (after.Status != EventStatus.Preparation)
        {
            after.Sent = unit.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
            changed = true;
        }
        if (changed)
        {
            after.Meta = null;
            await unit.StageForRule(after, write.Version.Key.Id, ct);
        }
    }

    private async Task CheckPatientMessageAsync(UnitOfWork unit, MessageAuthor author, Communication message, CancellationToken ct)
    {
        if (MessageReferences.Key(message.Sender?.Reference) != author.Reference)
            throw FhirOutcomeException.Forbidden($"A patient sends messages only as themselves: Communication.sender must be {author.Reference}.");
        if (MessageReferences.Key(message.Subject?.Reference) != author.Reference)
            throw FhirOutcomeException.Unprocessable($"A patient's message is about themselves: Communication.subject must be {author.Reference}.", "Communication.subject");
        var recipients = message.Recipient.Select(r => MessageReferences.Key(r.Reference)).ToList();
        if (recipients.Count == 0 || recipients.Any(r => r is null))
            throw FhirOutcomeException.Unprocessable("Each recipient must be a reference to a member of your care team (CareTeam, Practitioner or PractitionerRole).", "Communication.recipient");
        var outside = await careTeams.OutsideAsync(unit, author.PatientId!, recipients.OfType<string>(), ct);
        if (outside.Count > 0)
            throw FhirOutcomeException.Unprocessable(
                $"Messages go only to your care team: {string.Join(", ", outside)} is not a member of a care team of {author.Reference} " +
                "(CareTeam.participant.member, the CareTeam itself, or a PractitionerRole of a member).", "Communication.recipient");
    }

    /// <summary>
    /// A reply names messages that exist (422 otherwise; a patient only their own threads) and joins their thread:
    /// <c>partOf</c> = the first message, when the client did not give it. True when the message was changed.
    /// </summary>
    private static async Task<bool> ThreadAsync(UnitOfWork unit, Communication message, MessageAuthor author, CancellationToken ct)
    {
        string? root = null;
        foreach (var reference in message.InResponseTo)
        {
            var id = MessageReferences.Local(reference.Reference) is ["Communication", var local] ? local : null;
            var stored = id is null ? null : await unit.CurrentAsync(new ResourceKey("Communication", id), ct);
            var answered = Parse(stored);
            if (answered is null || (author.IsPatient && MessageReferences.Key(answered.Subject?.Reference) != author.Reference))
                throw FhirOutcomeException.Unprocessable($"inResponseTo {reference.Reference} is not a message of this thread that exists.", "Communication.inResponseTo");
            root ??= answered.PartOf.Select(p => MessageReferences.Key(p.Reference)).FirstOrDefault(k => k?.StartsWith("Communication/", StringComparison.Ordinal) == true)
                     ?? $"Communication/{id}";
        }
        if (root is null || message.PartOf.Count > 0) return false;
        message.PartOf = [new ResourceReference(root)];
        return true;
    }

    /// <summary>The same message apart from its meta (a re-sent identical PUT changes nothing).</summary>
    private static bool SameContent(Communication before, Communication after)
    {
        var (a, b) = ((Communication)before.DeepCopy(), (Communication)after.DeepCopy());
        a.Meta = b.Meta = null;
        return a.IsExactly(b);
    }

    private static Communication? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as Communication : null;
}

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
/// team (<see cref="CareTeamRecipients"/>, else 422), or about one of their Tasks to its owner (the pharmacy of a refill request).</item>
/// <item>The server sets <c>sent</c> (status other than preparation) and the thread: a reply (<c>inResponseTo</c>)
/// gets <c>partOf</c> = the thread's first message when the client leaves it out.</item>
/// <item>A sent message is immutable for persons: a change is 422, a delete 405 (corrections are new messages);
/// only the server changes it (<c>received</c>, by $mark-read).</item>
/// <item>A patient's message gets a staff inbox Task; a reply by anyone but the patient completes it (<see cref="InboxTasks"/>).</item>
/// </list>
/// </remarks>
internal sealed class MessagingRules(CareTeamRecipients careTeams, InboxTasks inbox) : IWriteRule
{
    public async Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "Communication" || write.ByServer) return;
        var author = MessageAuthor.Of(unit.Access);
        var before = Parse(write.Previous);
        // Copied: a sent message gets its sent time (and thread) set below, and the unit's resource is shared by the rules.
        var after = unit.ResourceOf(write.Version)?.DeepCopy() as Communication;
        // A reply by staff or a system (not the patient) answers: the inbox Tasks of what it answers are done.
        if (before is null && after is not null && author is not { IsPatient: true })
            await inbox.CompleteAsync(unit, write.Version.Key.Id, after, ct);
        if (author is null) return;
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
        await LinkAttachmentsAsync(unit, after, write.Version.Key.Id, author, ct);
        var changed = await ThreadAsync(unit, after, author, ct);
        if (after.Status != EventStatus.Preparation)
        {
            after.Sent = unit.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
            changed = true;
            if (author.IsPatient) await inbox.StageAsync(unit, write.Version.Key.Id, after, ct);
        }
        if (changed)
        {
            // Note: the new version gets its own id and time; the client's security labels, tags and profiles stay.
            if (after.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
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
        var about = message.About.Select(a => MessageReferences.Key(a.Reference)).OfType<string>();
        var outside = await careTeams.OutsideAsync(unit, author.PatientId!, recipients.OfType<string>(), about, ct);
        if (outside.Count > 0)
            throw FhirOutcomeException.Unprocessable(
                $"Messages go only to your care team: {string.Join(", ", outside)} is not a member of a care team of {author.Reference} " +
                "(CareTeam.participant.member, the CareTeam itself, or a PractitionerRole of a member), nor the owner of a Task of yours the message is about.", "Communication.recipient");
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

    /// <summary>
    /// Each attachment the message points to (<c>payload.contentAttachment.url</c> = a Binary here) gets the message as
    /// its security context, so exactly those who may read the message may read it. A Binary still in its uploader's
    /// context (or in none) can be attached; one that belongs to another message is 422 (upload it again).
    /// </summary>
    private static async Task LinkAttachmentsAsync(UnitOfWork unit, Communication message, string id, MessageAuthor author, CancellationToken ct)
    {
        var self = $"Communication/{id}";
        foreach (var url in message.Payload.Select(p => (p.Content as Attachment)?.Url).OfType<string>())
        {
            if (MessageReferences.Local(url) is not ["Binary", var binaryId]) continue;
            var stored = await unit.CurrentAsync(new ResourceKey("Binary", binaryId), ct);
            if (stored is not { IsDeleted: false } || FhirParser.ParseStored(stored.Json.Span) is not Binary binary)
                throw FhirOutcomeException.Unprocessable($"The attachment {url} is not a Binary on this server; upload it first (POST Binary).", "Communication.payload");
            var context = MessageReferences.Key(binary.SecurityContext?.Reference);
            if (context == self) continue;
            // Note: a patient's uploads always carry a context; one without is staff's, and attaching would expose it.
            if (context is null && author.IsPatient)
                throw FhirOutcomeException.Unprocessable($"The attachment Binary/{binaryId} has no security context; upload the file yourself (POST Binary).", "Communication.payload");
            if (context is not null && context != author.Reference)
                throw FhirOutcomeException.Unprocessable($"The attachment Binary/{binaryId} belongs to {context}; upload it again for this message.", "Communication.payload");
            binary.SecurityContext = new ResourceReference(self);
            if (binary.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null); // keeps the file's hash and size
            await unit.StageForRule(binary, binaryId, ct);
        }
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

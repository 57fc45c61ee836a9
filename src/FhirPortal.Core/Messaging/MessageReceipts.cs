using System.Globalization;
using FhirPortal.Core.Access;
using FhirPortal.Core.Notifications;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// <c>Communication/{id}/$mark-read</c>: a recipient's first read sets <c>received</c> (once; later calls change
/// nothing). A recipient is the patient named in <c>recipient</c>, or a practitioner named directly, through one of
/// their PractitionerRoles, or through a CareTeam they are a member of. Everyone else gets 403.
/// </summary>
public sealed class MessageReceipts(WriteRunner runner, CallerContext callers)
{
    public Task<StoredResource> MarkReadAsync(string id, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var key = new ResourceKey("Communication", id);
            var current = await unit.CurrentAsync(key, ct);
            if (current is not { IsDeleted: false }) throw FhirOutcomeException.NotFound($"{key} is not known.");
            await callers.Current.RequireReadAsync(current, Permissions.Read, ct);
            var message = (Communication)FhirParser.ParseStored(current.Json.Span);
            if (MessageAuthor.Of(unit.Access) is not { } reader || !await IsRecipientAsync(unit, message, reader.Reference, ct))
                throw FhirOutcomeException.Forbidden($"Only a recipient of {key} can mark it read.");
            if (message.Received is not null) return current;
            // Note: a notice still being delivered belongs to the dispatcher, whose version-checked record of the
            // delivery would fail on our new version and send it again after its lease.
            if (NoticeOutbox.IsNotice(message) && message.Status != EventStatus.Completed) return current;
            message.Received = unit.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture);
            if (message.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
            return await unit.StageForRule(message, id, ct);
        }, ct);

    private static async Task<bool> IsRecipientAsync(UnitOfWork unit, Communication message, string reader, CancellationToken ct)
    {
        foreach (var recipient in message.Recipient.Select(r => MessageReferences.Key(r.Reference)).OfType<string>())
        {
            if (recipient == reader) return true;
            if (reader.StartsWith("Patient/", StringComparison.Ordinal)) continue;
            var resource = await ReadAsync(unit, recipient, ct);
            if (resource is PractitionerRole role && MessageReferences.Key(role.Practitioner?.Reference) == reader) return true;
            if (resource is CareTeam team)
                foreach (var member in team.Participant.Select(p => MessageReferences.Key(p.Member?.Reference)).OfType<string>())
                    if (member == reader || (member.StartsWith("PractitionerRole/", StringComparison.Ordinal)
                                             && await ReadAsync(unit, member, ct) is PractitionerRole memberRole
                                             && MessageReferences.Key(memberRole.Practitioner?.Reference) == reader))
                        return true;
        }
        return false;
    }

    private static async Task<Resource?> ReadAsync(UnitOfWork unit, string key, CancellationToken ct)
    {
        if (MessageReferences.Local(key) is not [var type, var id] || !ModelInfo.IsKnownResource(type)) return null;
        var stored = await unit.CurrentAsync(new ResourceKey(type, id), ct);
        return stored is { IsDeleted: false } ? FhirParser.ParseStored(stored.Json.Span) : null;
    }
}

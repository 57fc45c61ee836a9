using FhirPortal.Core.Interactions;
using FhirPortal.Core.Refills;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Messaging;

/// <summary>
/// Whom a patient may write to: each of the patient's CareTeams (not inactive or entered-in-error), its participant
/// members other than patients, the Practitioner behind a member PractitionerRole, and any PractitionerRole of a
/// member Practitioner; and, for a message <c>about</c> one of the patient's refill requests, that Task's owner when it is
/// the pharmacy or prescriber of the patient's prescription (Task.owner alone is not trusted). Seen from inside the unit
/// of work: the store's teams with the unit's staged versions in place.
/// </summary>
internal sealed class CareTeamRecipients(ConditionalCriteria criteria)
{
    /// <summary>The recipients of <paramref name="recipients"/> (as <c>Type/id</c>) the patient may not write to.</summary>
    public async Task<IReadOnlyList<string>> OutsideAsync(UnitOfWork unit, string patientId, IEnumerable<string> recipients, IEnumerable<string> about, CancellationToken ct)
    {
        var allowed = await AllowedAsync(unit, patientId, ct);
        allowed.UnionWith(await TaskOwnersAsync(unit, patientId, about, ct));
        var outside = new List<string>();
        foreach (var recipient in recipients)
        {
            if (allowed.Contains(recipient)) continue;
            // A PractitionerRole pool: allowed when the practitioner it stands for is on the team.
            if (recipient.StartsWith("PractitionerRole/", StringComparison.Ordinal)
                && await ReadAsync(unit, recipient, ct) is PractitionerRole role
                && MessageReferences.Key(role.Practitioner?.Reference) is { } practitioner && allowed.Contains(practitioner))
                continue;
            outside.Add(recipient);
        }
        return outside;
    }

    private async Task<HashSet<string>> AllowedAsync(UnitOfWork unit, string patientId, CancellationToken ct)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var team in await TeamsAsync(unit, patientId, ct))
        {
            allowed.Add($"CareTeam/{team.Id}");
            foreach (var member in team.Participant.Select(p => MessageReferences.Key(p.Member?.Reference)).OfType<string>())
            {
                if (member.StartsWith("Patient/", StringComparison.Ordinal)) continue;
                allowed.Add(member);
                if (member.StartsWith("PractitionerRole/", StringComparison.Ordinal)
                    && await ReadAsync(unit, member, ct) is PractitionerRole role
                    && MessageReferences.Key(role.Practitioner?.Reference) is { } practitioner)
                    allowed.Add(practitioner);
            }
        }
        return allowed;
    }

    /// <summary>
    /// The owners of the patient's own refill Tasks among <paramref name="about"/> (<c>Type/id</c>), each only when it is
    /// the pharmacy (dispenseRequest.performer) or prescriber of that Task's prescription, and the prescription is the patient's.
    /// </summary>
    private static async Task<IEnumerable<string>> TaskOwnersAsync(UnitOfWork unit, string patientId, IEnumerable<string> about, CancellationToken ct)
    {
        var owners = new List<string>();
        foreach (var key in about.Where(a => a.StartsWith("Task/", StringComparison.Ordinal)))
            if (await ReadAsync(unit, key, ct) is Hl7.Fhir.Model.Task task && MessageReferences.Key(task.For?.Reference) == $"Patient/{patientId}"
                && RefillTasks.PrescriptionId(task) is { } prescriptionId
                && await ReadAsync(unit, $"MedicationRequest/{prescriptionId}", ct) is MedicationRequest prescription
                && MessageReferences.Key(prescription.Subject?.Reference) == $"Patient/{patientId}"
                && MessageReferences.Key(task.Owner?.Reference) is { } owner
                && (owner == MessageReferences.Key(prescription.DispenseRequest?.Performer?.Reference) || owner == MessageReferences.Key(prescription.Requester?.Reference)))
                owners.Add(owner);
        return owners;
    }

    private async Task<IReadOnlyList<CareTeam>> TeamsAsync(UnitOfWork unit, string patientId, CancellationToken ct)
    {
        var query = criteria.Parse("CareTeam", $"subject=Patient/{patientId}") with { Count = 1000, Cursor = null };
        var stored = (await unit.Store.SearchAsync(query, ct)).Entries.Where(e => !unit.HasStaged(e.Key));
        return stored.Concat(unit.StagedOf("CareTeam").Where(v => !v.IsDeleted))
            .Select(v => (CareTeam)FhirParser.ParseStored(v.Json.Span))
            .Where(t => MessageReferences.Key(t.Subject?.Reference) == $"Patient/{patientId}")
            .Where(t => t.Status is not (CareTeam.CareTeamStatus.Inactive or CareTeam.CareTeamStatus.EnteredInError))
            .ToList();
    }

    private static async Task<Resource?> ReadAsync(UnitOfWork unit, string key, CancellationToken ct)
    {
        var stored = await unit.CurrentAsync(new ResourceKey(key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]), ct);
        return stored is { IsDeleted: false } ? FhirParser.ParseStored(stored.Json.Span) : null;
    }
}

using System.Runtime.CompilerServices;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Notifications;

/// <summary>
/// Stages the patient notices writes call for (new result, new care-team message, statement ready) in the same unit
/// of work, so REST writes, transactions and imports by <c>system/</c> clients (where labs come from) all notify.
/// </summary>
/// <remarks>
/// Each cause has a deterministic identifier and is queued only if no notice has it yet, so a result deleted and
/// written again, or a status going back and forth, is not announced twice. No commit-time check is needed on top:
/// a cause is a change of one resource's version, and of two racing writers of that version only one commits (the
/// other re-plans and sees no change), so the write path stays free of a store-wide lock on Communication. Causes of one kind for one patient
/// in one unit share one notice (its identifiers and <c>about</c> list them all): a lab transaction of fifty
/// Observations and their report tells the patient once, not fifty-one times.
/// </remarks>
internal sealed class PatientNoticeRules(NoticeOutbox outbox, ConditionalCriteria criteria) : IWriteRule
{
    // The notice staged in a unit for (patient, category): id of its Communication.
    private readonly ConditionalWeakTable<UnitOfWork, Dictionary<(string, string), string>> _staged = [];

    public async Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        IEnumerable<Notice> notices = write.Version.Key.Type switch
        {
            "DiagnosticReport" or "Observation" => ResultNotices.Of(unit, write, outbox.Options) is { } n ? [n] : [],
            "Communication" => MessageNotices.Of(unit, write, outbox.Options),
            "Invoice" => await BillingNotices.OfAsync(unit, write, outbox.Options, ct),
            _ => [],
        };
        foreach (var notice in notices) await StageAsync(unit, notice, ct);
    }

    private async Task StageAsync(UnitOfWork unit, Notice notice, CancellationToken ct)
    {
        var existing = criteria.Parse("Communication", $"identifier={NoticeOutbox.IdentifierSystem}|{notice.Key}");
        if ((await unit.Store.SearchAsync(existing with { Count = 1 }, ct)).Entries.Count > 0) return;
        var staged = _staged.GetOrCreateValue(unit);
        if (staged.TryGetValue((notice.PatientId, notice.Category), out var id)
            && await unit.CurrentAsync(new ResourceKey("Communication", id), ct) is { } current
            && unit.ResourceOf(current)?.DeepCopy() is Communication shared)
        {
            // A copy: the unit's resource is shared by the rules, and this one changes it.
            shared.Identifier.Add(new Identifier(NoticeOutbox.IdentifierSystem, notice.Key));
            shared.About.Add(notice.About);
            // A new version gets its own id and time; a meta left empty would break ele-1.
            if (shared.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
            if (shared.Meta is { } left && !left.EnumerateElements().Any()) shared.Meta = null;
            await unit.StageForRule(shared, id, ct);
            return;
        }
        staged[(notice.PatientId, notice.Category)] = (await outbox.StageAsync(unit, notice, ct)).Key.Id;
    }
}

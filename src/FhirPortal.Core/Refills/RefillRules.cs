using FhirPortal.Core.Scheduling;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace FhirPortal.Core.Refills;

/// <summary>
/// The refill rules, run on every Task write (REST, transactions, <c>$request-refill</c>, the auto-refill worker), so the
/// operation is not the only guard. A new open refill request (<see cref="RefillTasks.PrescriptionId"/>) must pass
/// <see cref="RefillEligibility"/> and be the prescription's only open one: checked on the unit's view (409) and again
/// inside the commit (<see cref="UnitOfWork.RequireNoMatch"/>), so racing requests give one Task. Changes of a refill
/// request follow <see cref="RefillProgress"/>.
/// </summary>
internal sealed class RefillRules(RefillTasks tasks, RefillEligibility eligibility, RefillProgress progress) : IWriteRule
{
    public async System.Threading.Tasks.Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "Task" || write.ByServer) return;
        var id = write.Version.Key.Id;
        var before = Parse(write.Previous);
        // Copied: a patient's request gets its owner set below, and the unit's resource is shared by the rules.
        var after = (FhirTask?)(unit.ResourceOf(write.Version) as FhirTask)?.DeepCopy();
        var was = before is null ? null : RefillTasks.PrescriptionId(before);
        var now = after is null ? null : RefillTasks.PrescriptionId(after);
        var patient = SchedulingRules.IsPatient(unit.Access);
        // Patient tokens may write Tasks only to ask for and cancel refills (PatientLinkedTypes).
        if (patient && was is null && (before is not null || now is null))
            throw FhirOutcomeException.Forbidden("A patient's app writes only refill requests (Task code fulfill, focus a MedicationRequest).");
        if (was is null && now is null) return;

        if (was is not null)
        {
            if (after is not null && now != was)
                throw FhirOutcomeException.Unprocessable($"Task/{id} is a refill request of MedicationRequest/{was}; its code and focus cannot change.", "Task.focus");
            await progress.CheckAsync(unit, id, before!, after, ct);
            return;
        }

        // A new refill request (or a Task made into one).
        if (patient && after!.Status != FhirTask.TaskStatus.Requested)
            throw FhirOutcomeException.Unprocessable("A patient's refill request starts as requested.", "Task.status");
        RefillProgress.CheckBusinessStatus(after!);
        if (!RefillTasks.IsOpen(after!.Status)) return; // a closed one is a record (imported history)
        var prescription = await RefillEligibility.PrescriptionAsync(unit, now!, ct);
        if (Messaging.MessageReferences.Key(after.For?.Reference) is { } subject && subject != Messaging.MessageReferences.Key(prescription.Subject?.Reference))
            throw FhirOutcomeException.Unprocessable("Task.for must be the prescription's patient.", "Task.for"); // names no other patient
        if (patient) await OwnerOfPrescriptionAsync(unit, id, after, prescription, ct);
        if (await tasks.OpenAsync(unit, now!, id, ct) is { } open)
            throw OpenExists(open, now!);
        await eligibility.RequireAsync(unit, now!, prescription, ct);
        // Decided again inside the commit, on the store's own state: no other open refill request of it may exist by then.
        unit.RequireNoMatch(tasks.OpenQuery(now!, id));
    }

    /// <summary>
    /// A patient's request goes to the prescription's pharmacy or else its prescriber (<see cref="Owner"/>), never to
    /// whom the patient names: messaging trusts a refill Task's owner. A missing owner is set.
    /// </summary>
    private static async System.Threading.Tasks.Task OwnerOfPrescriptionAsync(UnitOfWork unit, string id, FhirTask task, Hl7.Fhir.Model.MedicationRequest prescription, CancellationToken ct)
    {
        var owner = Owner(prescription);
        var given = Messaging.MessageReferences.Key(task.Owner?.Reference);
        if (given is not null && given != owner)
            throw FhirOutcomeException.Unprocessable(
                "Task.owner of a refill request must be the prescription's pharmacy (dispenseRequest.performer) or else its prescriber.", "Task.owner");
        if (given is not null || owner is null) return;
        task.Owner = new Hl7.Fhir.Model.ResourceReference(owner);
        if (task.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
        await unit.StageForRule(task, id, ct);
    }

    /// <summary>Who handles a prescription's refills: <c>dispenseRequest.performer</c>, else the prescriber (as <c>Type/id</c>).</summary>
    public static string? Owner(Hl7.Fhir.Model.MedicationRequest prescription) =>
        Messaging.MessageReferences.Key(prescription.DispenseRequest?.Performer?.Reference ?? prescription.Requester?.Reference);

    /// <summary>409: the prescription already has an open refill request.</summary>
    public static FhirOutcomeException OpenExists(StoredResource open, string prescriptionId) =>
        FhirOutcomeException.Conflict($"MedicationRequest/{prescriptionId} already has an open refill request: {open.Key}.");

    private static FhirTask? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as FhirTask : null;
}

using FhirPortal.Core.Interactions;
using FhirPortal.Core.Scheduling;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using FhirTask = Hl7.Fhir.Model.Task;
using Status = Hl7.Fhir.Model.Task.TaskStatus;

namespace FhirPortal.Core.Refills;

/// <summary>
/// How a refill request moves: staff take it requested → accepted → in-progress → completed, or end it rejected (with a
/// <c>statusReason</c>) or cancelled from any open status; a closed request changes only to entered-in-error. A patient
/// may only cancel their own request while it is still requested (other changes 403). <c>businessStatus</c> codes of
/// the portal-task CodeSystem must be known. Completing stages the MedicationDispense of the fill in the same unit
/// (status completed, the prescription's medication, quantity and supply, handed over now) and names it in Task.output.
/// </summary>
internal sealed class RefillProgress
{
    /// <summary>The portal's businessStatus codes of a refill request.</summary>
    public static readonly string[] BusinessCodes = ["sent-to-pharmacy", "ready-for-pickup", "shipped"];

    private static readonly Dictionary<Status, Status[]> Next = new()
    {
        [Status.Requested] = [Status.Accepted, Status.Rejected, Status.Cancelled],
        [Status.Accepted] = [Status.InProgress, Status.Rejected, Status.Cancelled],
        [Status.InProgress] = [Status.Completed, Status.Cancelled],
    };

    public async System.Threading.Tasks.Task CheckAsync(UnitOfWork unit, string id, FhirTask before, FhirTask? after, CancellationToken ct)
    {
        if (SchedulingRules.IsPatient(unit.Access))
        {
            if (after?.Status == Status.Cancelled && before.Status != Status.Requested && before.Status != Status.Cancelled)
                throw FhirOutcomeException.Unprocessable($"Task/{id} is {Code(before.Status)} and can no longer be cancelled online; please contact the pharmacy.", "Task.status");
            if (after is null || !(before.Status == Status.Requested && after.Status == Status.Cancelled))
                throw FhirOutcomeException.Forbidden($"A patient can only cancel their refill request while it is requested; staff move Task/{id} on.");
            // Owner, patient, focus and the rest stay: messaging trusts a refill Task's owner.
            if (!CancelFields(before).IsExactly(CancelFields(after)))
                throw FhirOutcomeException.Forbidden($"A patient's cancellation of Task/{id} may change only its status, statusReason and note.");
        }
        if (after is null) return;
        CheckBusinessStatus(after);
        if (after.Status == before.Status) return;
        var allowed = before.Status is { } from && Next.TryGetValue(from, out var next) ? next : [];
        if (!allowed.Contains(after.Status ?? Status.Draft) && after.Status != Status.EnteredInError)
            throw FhirOutcomeException.Unprocessable(
                $"A {Code(before.Status)} refill request cannot become {Code(after.Status)}" +
                (allowed.Length > 0 ? $" (next: {string.Join(", ", allowed.Select(s => Code(s)))})." : "; it is closed."), "Task.status");
        if (after.Status == Status.Rejected && string.IsNullOrWhiteSpace(after.StatusReason?.Text) && after.StatusReason?.Coding.Count is not > 0)
            throw FhirOutcomeException.Unprocessable("A rejected refill request needs a statusReason saying why.", "Task.statusReason");
        if (after.Status == Status.Completed) await CompleteAsync(unit, id, after, ct);
    }

    /// <summary>The Task without what a patient's cancellation may set (status, statusReason, note, lastModified, meta).</summary>
    private static FhirTask CancelFields(FhirTask task)
    {
        var copy = (FhirTask)task.DeepCopy();
        (copy.Status, copy.StatusReason, copy.LastModifiedElement, copy.Meta) = (null, null, null, null);
        copy.Note.Clear();
        return copy;
    }

    /// <summary>422 for a businessStatus coding of the portal-task system that is not a refill business status.</summary>
    public static void CheckBusinessStatus(FhirTask task)
    {
        foreach (var coding in task.BusinessStatus?.Coding ?? [])
            if (coding.System == RefillTasks.TaskCodeSystem && !BusinessCodes.Contains(coding.Code))
                throw FhirOutcomeException.Unprocessable(
                    $"'{coding.Code}' is not a refill business status ({string.Join(", ", BusinessCodes)}).", "Task.businessStatus");
    }

    /// <summary>Stages the fill's MedicationDispense and the Task with it as output.</summary>
    private static async System.Threading.Tasks.Task CompleteAsync(UnitOfWork unit, string id, FhirTask task, CancellationToken ct)
    {
        var prescriptionId = RefillTasks.PrescriptionId(task)!;
        var prescription = await RefillEligibility.PrescriptionAsync(unit, prescriptionId, ct);
        var supply = prescription.DispenseRequest;
        var dispense = new MedicationDispense
        {
            Status = MedicationDispense.MedicationDispenseStatusCodes.Completed,
            Subject = prescription.Subject is null ? null : new ResourceReference(prescription.Subject.Reference),
            AuthorizingPrescription = [new ResourceReference($"MedicationRequest/{prescriptionId}")],
            Quantity = supply?.Quantity is null ? null : (Quantity)supply.Quantity.DeepCopy(),
            DaysSupply = supply?.ExpectedSupplyDuration is { } duration
                ? new Quantity { Value = duration.Value, Unit = duration.Unit, System = duration.System, Code = duration.Code } : null,
            WhenHandedOver = RefillTasks.Instant(unit.Now),
        };
        switch (prescription.Medication)
        {
            case ResourceReference { Reference: { } reference } when reference.StartsWith('#')
                                                                    && prescription.Contained.FirstOrDefault(r => r.Id == reference[1..]) is { } contained:
                dispense.Contained.Add((Resource)contained.DeepCopy());
                dispense.Medication = new ResourceReference(reference);
                break;
            default:
                dispense.Medication = (DataType?)prescription.Medication?.DeepCopy() ?? new CodeableConcept { Text = "As prescribed" };
                break;
        }
        if (Messaging.MessageReferences.Key(task.Owner?.Reference) is { } owner)
            dispense.Performer = [new MedicationDispense.PerformerComponent { Actor = new ResourceReference(owner) }];
        var dispenseId = CreateInteraction.NewId();
        await unit.StageForRule(dispense, dispenseId, ct);

        task.Output.Add(new FhirTask.OutputComponent
        {
            Type = new CodeableConcept(RefillTasks.TaskCodeSystem, "dispense", "The fill"),
            Value = new ResourceReference($"MedicationDispense/{dispenseId}"),
        });
        task.LastModified = RefillTasks.Instant(unit.Now);
        if (task.Meta is { } meta) (meta.VersionId, meta.LastUpdated) = (null, null);
        await unit.StageForRule(task, id, ct);
    }

    private static string Code(Status? status) => status?.GetLiteral() ?? "(no status)";
}

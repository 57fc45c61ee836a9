using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Core.Messaging;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using FhirTask = Hl7.Fhir.Model.Task;

namespace FhirPortal.Core.Refills;

/// <summary>
/// <c>MedicationRequest/{id}/$request-refill</c>: the patient of a prescription (or staff on their behalf) asks for the
/// next fill. The operation only composes the refill Task and creates it like any other write (the caller needs read
/// access to the prescription and create access to Task); <see cref="RefillRules"/> in the write path decides whether it
/// may exist. A prescription with an open request answers 409 naming that Task.
/// </summary>
public sealed class RefillRequests(WriteRunner runner, CreateInteraction create, RefillTasks tasks)
{
    /// <summary>201 with the new Task, or 409 with the open Task it would have duplicated (the endpoint points at it).</summary>
    public async Task<InteractionResult> RequestAsync(string prescriptionId, CancellationToken ct)
    {
        try
        {
            return await RequestOnceAsync(prescriptionId, ct);
        }
        catch (FhirOutcomeException e) when (e.Status == 409)
        {
            // Another request's Task committed between this plan and its commit, so the write rule refused it without
            // naming the Task: plan once more, which finds that Task and answers 409 with it (or creates, if it closed).
            return await RequestOnceAsync(prescriptionId, ct);
        }
    }

    private Task<InteractionResult> RequestOnceAsync(string prescriptionId, CancellationToken ct) =>
        runner.RunAsync(async unit =>
        {
            var key = new ResourceKey("MedicationRequest", prescriptionId);
            var stored = await unit.CurrentAsync(key, ct);
            if (stored is not { IsDeleted: false }) throw FhirOutcomeException.NotFound($"{key} is not known.");
            await unit.Access.RequireReadAsync(stored, Permissions.Read, ct);
            if (await tasks.OpenAsync(unit, prescriptionId, null, ct) is { } open)
                return new InteractionResult(409, open, RefillRules.OpenExists(open, prescriptionId).Outcome);
            var prescription = await RefillEligibility.PrescriptionAsync(unit, prescriptionId, ct);
            return await create.ExecuteAsync(unit, Compose(unit, prescriptionId, prescription), null, null, ct);
        }, ct);

    /// <summary>Creates the refill Task inside <paramref name="unit"/> (the auto-refill worker's path).</summary>
    internal Task<InteractionResult> CreateAsync(UnitOfWork unit, string prescriptionId, MedicationRequest prescription, CancellationToken ct) =>
        create.ExecuteAsync(unit, Compose(unit, prescriptionId, prescription), null, null, ct);

    /// <summary>
    /// The refill request: code fulfill (+ portal-task refill-request), focus the prescription, for its patient, owner the
    /// pharmacy (dispenseRequest.performer) or else the prescriber (requester), requested by the caller or the patient.
    /// </summary>
    private static FhirTask Compose(UnitOfWork unit, string prescriptionId, MedicationRequest prescription)
    {
        var patient = prescription.Subject?.Reference;
        var owner = prescription.DispenseRequest?.Performer?.Reference ?? prescription.Requester?.Reference;
        var requester = MessageAuthor.Of(unit.Access)?.Reference ?? patient;
        return new FhirTask
        {
            Status = FhirTask.TaskStatus.Requested,
            Intent = FhirTask.TaskIntent.Order,
            Code = new CodeableConcept
            {
                Coding =
                [
                    new Coding(RefillTasks.FulfillSystem, "fulfill", "Fulfill the focal request"),
                    new Coding(RefillTasks.TaskCodeSystem, "refill-request", "Refill the prescription"),
                ],
            },
            Description = "Refill the prescription",
            Focus = new ResourceReference($"MedicationRequest/{prescriptionId}"),
            For = patient is null ? null : new ResourceReference(patient),
            Requester = requester is null ? null : new ResourceReference(requester),
            Owner = owner is null ? null : new ResourceReference(owner),
            AuthoredOn = RefillTasks.Instant(unit.Now),
            LastModified = RefillTasks.Instant(unit.Now),
        };
    }
}

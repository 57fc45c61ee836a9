using FhirPortal.Core.Interactions;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirPortal.Core.Refills;

/// <summary>
/// Whether a prescription may get a new refill request now, seen from inside a unit of work. Each failed rule is a 422
/// with a message saying why: the prescription is not active; its medication is a controlled substance
/// (<see cref="RefillOptions.ControlledSubstances"/>); no refill is left; it is too early. Counting rule: the first
/// completed MedicationDispense of the prescription is the original fill, every later one uses a refill, so
/// refills left = <c>dispenseRequest.numberOfRepeatsAllowed</c> − max(0, completed dispenses − 1) and a request needs
/// at least one. Too early: before the last dispense's <c>whenHandedOver</c> + <see cref="RefillOptions.EarliestFraction"/>
/// × the supply duration (<c>dispenseRequest.expectedSupplyDuration</c>, else that dispense's <c>daysSupply</c>).
/// </summary>
public sealed class RefillEligibility(ConditionalCriteria criteria, RefillOptions options)
{
    /// <summary>The prescription, or 422 when it does not exist.</summary>
    public static async Task<MedicationRequest> PrescriptionAsync(UnitOfWork unit, string id, CancellationToken ct) =>
        await unit.CurrentAsync(new ResourceKey("MedicationRequest", id), ct) is { IsDeleted: false } stored
            ? (MedicationRequest)FhirParser.ParseStored(stored.Json.Span)
            : throw FhirOutcomeException.Unprocessable($"MedicationRequest/{id} does not exist.", "Task.focus");

    /// <summary>Throws a 422 naming the first rule the prescription fails.</summary>
    public async System.Threading.Tasks.Task RequireAsync(UnitOfWork unit, string id, MedicationRequest prescription, CancellationToken ct)
    {
        if (prescription.Status != MedicationRequest.MedicationrequestStatus.Active)
            throw Refused($"MedicationRequest/{id} is {prescription.Status?.GetLiteral() ?? "without status"}; only an active prescription can be refilled.");
        if (await ControlledCodeAsync(unit, prescription, ct) is { } code)
            throw Refused($"MedicationRequest/{id} is for a controlled substance ({code}), which cannot be refilled online; please contact your prescriber.");

        var dispenses = await CompletedDispensesAsync(unit, id, ct);
        var allowed = prescription.DispenseRequest?.NumberOfRepeatsAllowed ?? 0;
        var left = allowed - Math.Max(0, dispenses.Count - 1);
        if (left <= 0)
            throw Refused($"MedicationRequest/{id} has no refills left ({allowed} allowed, {Math.Max(0, dispenses.Count - 1)} used); please ask your prescriber for a new prescription.");

        // Note: a nullable Max is null for no dispenses (MaxBy over value tuples would throw).
        if (dispenses.Max(d => d.HandedOver) is not { } handedOver) return;
        var last = dispenses.First(d => d.HandedOver == handedOver).Dispense;
        var duration = (Quantity?)prescription.DispenseRequest?.ExpectedSupplyDuration ?? last.DaysSupply;
        if (SupplyDays(duration) is not { } days) return;
        // A duration whose end lies past the calendar (or past TimeSpan) would overflow: unusable, not a 500.
        if (days >= (DateTimeOffset.MaxValue - handedOver).TotalDays - 1)
            throw Refused($"MedicationRequest/{id}: the prescription's supply duration is not usable ({duration!.Value} {duration.Code ?? duration.Unit}); please contact your pharmacy.");
        var supply = TimeSpan.FromDays(days);
        if (handedOver + supply * options.EarliestFraction is var earliest && unit.Now < earliest)
            throw Refused($"It is too early to refill MedicationRequest/{id}: the last fill ({handedOver:yyyy-MM-dd}) lasts until about " +
                          $"{handedOver + supply:yyyy-MM-dd}; a refill can be requested from {earliest:yyyy-MM-dd HH:mm} UTC.");
    }

    /// <summary>The completed dispenses of the prescription (store and unit), each with its hand-over time.</summary>
    public async Task<IReadOnlyList<(MedicationDispense Dispense, DateTimeOffset? HandedOver)>> CompletedDispensesAsync(UnitOfWork unit, string id, CancellationToken ct)
    {
        var query = criteria.Parse("MedicationDispense", $"prescription=MedicationRequest/{id}&status=completed") with { Count = 1000, Cursor = null };
        var stored = (await unit.Store.SearchAsync(query, ct)).Entries.Where(e => !unit.HasStaged(e.Key));
        return stored.Concat(unit.StagedOf("MedicationDispense").Where(v => !v.IsDeleted))
            .Select(v => (MedicationDispense)FhirParser.ParseStored(v.Json.Span))
            .Where(d => d.Status == MedicationDispense.MedicationDispenseStatusCodes.Completed
                        && d.AuthorizingPrescription.Any(p => Messaging.MessageReferences.Key(p.Reference) == $"MedicationRequest/{id}"))
            .Select(d => (d, d.WhenHandedOverElement?.ToDateTimeOffset(TimeSpan.Zero)))
            .ToList();
    }

    /// <summary>A UCUM time Duration (d, wk, mo, a, h, min) in days; null when it has no value or an unknown unit.</summary>
    public static double? SupplyDays(Quantity? duration)
    {
        if (duration?.Value is not { } value || value <= 0) return null;
        var days = (duration.Code ?? duration.Unit)?.Trim().ToLowerInvariant() switch
        {
            "d" or "day" or "days" => 1.0,
            "wk" or "week" or "weeks" => 7.0,
            "mo" or "month" or "months" => 30.0,
            "a" or "year" or "years" => 365.0,
            "h" or "hour" or "hours" => 1 / 24.0,
            "min" or "minute" or "minutes" => 1 / 1440.0,
            _ => (double?)null,
        };
        return days is { } d ? (double)value * d : null;
    }

    /// <summary>The first of the medication's codings on the controlled list, as <c>system|code</c>.</summary>
    private async Task<string?> ControlledCodeAsync(UnitOfWork unit, MedicationRequest prescription, CancellationToken ct)
    {
        if (options.ControlledSubstances.Count == 0) return null;
        var codings = (await MedicationCodeAsync(unit, prescription, ct))?.Coding ?? [];
        return codings.Where(c => options.ControlledSubstances.Any(entry => Matches(entry, c)))
            .Select(c => $"{c.System}|{c.Code}").FirstOrDefault();
    }

    private static bool Matches(string entry, Coding coding) =>
        entry.IndexOf('|') is var bar and >= 0
            ? entry[..bar] == (coding.System ?? "") && entry[(bar + 1)..] == coding.Code
            : entry == coding.Code;

    /// <summary>medicationCodeableConcept, or the code of the referenced (contained or stored) Medication.</summary>
    public static async Task<CodeableConcept?> MedicationCodeAsync(UnitOfWork unit, MedicationRequest prescription, CancellationToken ct)
    {
        if (prescription.Medication is CodeableConcept concept) return concept;
        if (prescription.Medication is not ResourceReference { Reference: { } reference }) return null;
        if (reference.StartsWith('#'))
            return prescription.Contained.OfType<Medication>().FirstOrDefault(m => m.Id == reference[1..])?.Code;
        return Messaging.MessageReferences.Local(reference) is ["Medication", var id]
               && await unit.CurrentAsync(new ResourceKey("Medication", id), ct) is { IsDeleted: false } stored
            ? ((Medication)FhirParser.ParseStored(stored.Json.Span)).Code
            : null;
    }

    private static FhirOutcomeException Refused(string message) => FhirOutcomeException.Unprocessable(message, "MedicationRequest");
}

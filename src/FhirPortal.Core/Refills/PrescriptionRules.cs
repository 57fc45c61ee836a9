using FhirPortal.Core.Scheduling;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Refills;

/// <summary>
/// What a patient's app may do to a prescription, on every MedicationRequest write: the refill rules read its status,
/// repeats, supply and medication, so a patient-bound caller may neither create nor delete one, and may update one
/// only by changing the auto-refill opt-in (<see cref="AutoRefillFlag"/>); everything else must stay as stored.
/// </summary>
internal sealed class PrescriptionRules : IWriteRule
{
    public System.Threading.Tasks.Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.Key.Type != "MedicationRequest" || write.ByServer || !SchedulingRules.IsPatient(unit.Access))
            return System.Threading.Tasks.Task.CompletedTask;
        var before = Parse(write.Previous);
        var after = unit.ResourceOf(write.Version) as MedicationRequest; // read only (compared through copies)
        if (before is null)
            throw FhirOutcomeException.Forbidden("A patient's app cannot create prescriptions; only the prescriber can.");
        if (after is null)
            throw FhirOutcomeException.Forbidden("A patient's app cannot delete prescriptions; please contact your prescriber.");
        if (!WithoutOptIn(before).IsExactly(WithoutOptIn(after)))
            throw FhirOutcomeException.Forbidden(
                $"A patient may change only the automatic refill opt-in (extension {AutoRefillFlag.Url}) of {write.Version.Key}; everything else is the prescriber's.");
        return System.Threading.Tasks.Task.CompletedTask;
    }

    /// <summary>The prescription without the opt-in and without meta and narrative (the server sets those).</summary>
    private static MedicationRequest WithoutOptIn(MedicationRequest prescription)
    {
        var copy = (MedicationRequest)prescription.DeepCopy();
        copy.Meta = null;
        copy.Text = null;
        copy.Extension.RemoveAll(e => e.Url == AutoRefillFlag.Url);
        return copy;
    }

    private static MedicationRequest? Parse(StoredResource? version) =>
        version is { IsDeleted: false } ? FhirParser.ParseStored(version.Json.Span) as MedicationRequest : null;
}

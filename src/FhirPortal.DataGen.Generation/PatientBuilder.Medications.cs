using Hl7.Fhir.Model;
using static FhirPortal.DataGen.Generation.Codes;

namespace FhirPortal.DataGen.Generation;

internal sealed partial class PatientBuilder
{
    private const int SupplyDays = 30, Repeats = 5;

    /// <summary>A MedicationRequest and the window in which it is the patient's current prescription for its drug.</summary>
    private sealed record Prescription(GeneratedEntry Request, Drug Drug, DateTimeOffset AuthoredOn, DateTimeOffset? ReplacedOn);

    private IEnumerable<Drug> ChronicDrugs()
    {
        if (_hypertensive) yield return Drugs[_index % 2];
        if (_diabetic) yield return Drugs[2];
        if (_index % 3 == 0) yield return Drugs[3];
    }

    /// <summary>
    /// At the first visit each chronic drug is prescribed with <see cref="Repeats"/> refills; at the first visit after
    /// the refills run out (about six months) it is renewed and the previous request is completed.
    /// </summary>
    private void Prescribe(GeneratedEntry encounter, DateTimeOffset start, List<Prescription> prescriptions)
    {
        if (prescriptions.Count > 0 && start < prescriptions[^1].AuthoredOn.AddDays(SupplyDays * (Repeats + 1))) return;
        foreach (var drug in ChronicDrugs())
        {
            var previous = prescriptions.FindLastIndex(p => p.Drug == drug);
            if (previous >= 0)
            {
                prescriptions[previous] = prescriptions[previous] with { ReplacedOn = start };
                ((MedicationRequest)prescriptions[previous].Request.Resource).Status = MedicationRequest.MedicationrequestStatus.Completed;
            }
            var request = Add(new MedicationRequest
            {
                Meta = Profile("portal-medicationrequest"),
                Status = MedicationRequest.MedicationrequestStatus.Active,
                Intent = MedicationRequest.MedicationRequestIntent.Order,
                Category = [Concept("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "community", "Community")],
                Medication = Concept(RxNorm, drug.Code, drug.Display),
                Subject = PatientRef,
                Encounter = encounter.Reference(),
                AuthoredOn = Time.Text(start.AddMinutes(18)),
                Requester = SharedData.Practitioner(_pcp),
                ReasonCode = [Concept(Snomed, drug.ReasonCode, drug.ReasonDisplay)],
                DosageInstruction = [new Dosage { Sequence = 1, Text = drug.Dose, Route = Concept(Snomed, "26643006", "Oral route") }],
                DispenseRequest = new MedicationRequest.DispenseRequestComponent
                {
                    ValidityPeriod = new Period { Start = Time.Date(DateOnly.FromDateTime(start.UtcDateTime)), End = Time.Date(DateOnly.FromDateTime(start.UtcDateTime).AddYears(1)) },
                    NumberOfRepeatsAllowed = Repeats,
                    Quantity = new Quantity { Value = SupplyDays, Unit = "tablet", System = Ucum, Code = "{tbl}" },
                    ExpectedSupplyDuration = new Duration { Value = SupplyDays, Unit = "days", System = Ucum, Code = "d" },
                },
            });
            prescriptions.Add(new Prescription(request, drug, start, null));
        }
    }

    /// <summary>The first fill and the refills, every 30 days (a few days' slack), until renewed, out of refills, or today.</summary>
    private void AddDispenses(Prescription prescription)
    {
        var end = prescription.ReplacedOn ?? Time.At(AsOf, 0, 0);
        var when = prescription.AuthoredOn.AddHours(_random.Between(2, 30));
        for (var fill = 0; fill <= Repeats && when < end; fill++)
        {
            Add(new MedicationDispense
            {
                Status = MedicationDispense.MedicationDispenseStatusCodes.Completed,
                Category = Concept("http://terminology.hl7.org/fhir/CodeSystem/medicationdispense-category", "community", "Community"),
                Medication = Concept(RxNorm, prescription.Drug.Code, prescription.Drug.Display),
                Subject = PatientRef,
                AuthorizingPrescription = [prescription.Request.Reference()],
                Type = fill == 0
                    ? Concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "FF", "First Fill")
                    : Concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "RF", "Refill"),
                Quantity = new Quantity { Value = SupplyDays, Unit = "tablet", System = Ucum, Code = "{tbl}" },
                DaysSupply = new Quantity { Value = SupplyDays, Unit = "days", System = Ucum, Code = "d" },
                WhenPrepared = Time.Text(when.AddMinutes(-45)),
                WhenHandedOver = Time.Text(when),
                DosageInstruction = [new Dosage { Sequence = 1, Text = prescription.Drug.Dose }],
            });
            if (fill == Repeats - 1 && prescription.ReplacedOn is null && _random.Chance(0.5)) AddRefillThread(prescription, when.AddDays(25));
            when = when.AddDays(SupplyDays + _random.Between(-2, 4));
        }
    }
}

using Hl7.Fhir.Model;
using static FhirPortal.DataGen.Generation.Codes;

namespace FhirPortal.DataGen.Generation;

internal sealed partial class PatientBuilder
{
    private static readonly CodeableConcept GeneralPractice = Concept("http://terminology.hl7.org/CodeSystem/service-type", "124", "General Practice");

    /// <summary>A past office visit: booked slot, fulfilled appointment, encounter, vitals, sometimes labs, prescriptions, claims.</summary>
    private void AddVisit(int v, DateOnly day, List<Prescription> prescriptions)
    {
        var start = Time.At(day, 8 + _random.Next(9), _random.Next(3) * 20);
        var end = start.AddMinutes(20);
        var slot = AddSlot(start, Slot.SlotStatus.Busy);
        var appointment = AddAppointment(slot, start, Appointment.AppointmentStatus.Fulfilled, v == 0 ? "Annual physical" : "Follow-up visit", start.AddDays(-_random.Between(3, 30)));
        var encounter = Add(new Encounter
        {
            Status = Encounter.EncounterStatus.Finished,
            Class = Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"),
            Type = [v == 0 ? Concept(Snomed, "162673000", "General examination of patient") : Concept(Snomed, "185349003", "Encounter for check up")],
            ServiceType = GeneralPractice,
            Subject = PatientRef,
            Participant = [new Encounter.ParticipantComponent { Individual = SharedData.Practitioner(_pcp) }],
            Appointment = [appointment.Reference()],
            Period = new Period(Time.DateTime(start), Time.DateTime(end)),
            Location = [new Encounter.LocationComponent { Location = SharedData.Location(_pcp) }],
            ServiceProvider = SharedData.Facility(_pcp),
        });

        AddVitals(encounter, start.AddMinutes(5));
        var panels = new List<Panel>();
        if (v % 2 == 0) panels.Add(Panels[0]);
        if (v % 4 == 0) panels.Add(Panels[1]);
        if (_diabetic && v % 2 == 0) panels.Add(Panels[2]);
        foreach (var panel in panels) AddLabReport(encounter, panel, start.AddMinutes(15));
        Prescribe(encounter, start, prescriptions);
        AddClaims(encounter, day, panels);
        if (v % 3 == 1 || panels.Count > 0 && _random.Chance(0.3)) AddThread(day, start, encounter, panels.Count > 0 ? "results" : "general");
    }

    private GeneratedEntry AddSlot(DateTimeOffset start, Slot.SlotStatus status) => Add(new Slot
    {
        Meta = Profile("portal-slot"),
        Schedule = SharedData.Schedule(_pcp),
        Status = status,
        Start = start,
        End = start.AddMinutes(20),
        ServiceType = [GeneralPractice],
    });

    private GeneratedEntry AddAppointment(GeneratedEntry slot, DateTimeOffset start, Appointment.AppointmentStatus status, string description, DateTimeOffset created)
    {
        var cancelled = status == Appointment.AppointmentStatus.Cancelled;
        var participation = cancelled ? ParticipationStatus.Declined : ParticipationStatus.Accepted;
        return Add(new Appointment
        {
            Meta = Profile("portal-appointment"),
            Status = status,
            CancelationReason = cancelled ? Concept("http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "pat", "Patient") : null,
            ServiceType = [GeneralPractice],
            AppointmentType = Concept("http://terminology.hl7.org/CodeSystem/v2-0276", description == "Annual physical" ? "ROUTINE" : "FOLLOWUP", description == "Annual physical" ? "Routine appointment" : "A follow up visit from a previous appointment"),
            Description = description,
            Start = start,
            End = start.AddMinutes(20),
            MinutesDuration = 20,
            Slot = [slot.Reference()],
            Created = Time.Text(created),
            Participant =
            [
                new Appointment.ParticipantComponent { Actor = PatientRef, Required = Appointment.ParticipantRequired.Required, Status = participation },
                new Appointment.ParticipantComponent { Actor = SharedData.Role(_pcp), Required = Appointment.ParticipantRequired.Required, Status = ParticipationStatus.Accepted },
                new Appointment.ParticipantComponent { Actor = SharedData.Location(_pcp), Required = Appointment.ParticipantRequired.Required, Status = ParticipationStatus.Accepted },
            ],
        });
    }

    /// <summary>Two booked appointments in the coming weeks and one the patient cancelled (its slot is free again).</summary>
    private void AddUpcomingAppointments()
    {
        for (var k = 0; k < 2; k++)
        {
            var start = Time.At(AsOf.AddDays(_random.Between(3, 30) + k * 30), 8 + _random.Next(9), _random.Next(3) * 20);
            var booked = AddAppointment(AddSlot(start, Slot.SlotStatus.Busy), start, Appointment.AppointmentStatus.Booked, k == 0 ? "Follow-up visit" : "Annual physical", Time.At(AsOf.AddDays(-_random.Between(1, 20)), 10, 0));
            if (k == 0) AddThread(AsOf.AddDays(-2), Time.At(AsOf.AddDays(-2), 9, 0), booked, "appointment");
        }
        var cancelledStart = Time.At(AsOf.AddDays(_random.Between(2, 14)), 8 + _random.Next(9), 40);
        AddAppointment(AddSlot(cancelledStart, Slot.SlotStatus.Free), cancelledStart, Appointment.AppointmentStatus.Cancelled, "Follow-up visit", Time.At(AsOf.AddDays(-30), 11, 0));
    }

    private void AddVitals(GeneratedEntry encounter, DateTimeOffset when)
    {
        var systolic = Math.Round(_random.Normal(_hypertensive ? 142 : Systolic.Mean, Systolic.Sd));
        var diastolic = Math.Round(Math.Min(systolic - 25, _random.Normal(_hypertensive ? 88 : Diastolic.Mean, Diastolic.Sd)));
        Add(new Observation
        {
            Meta = Profile("portal-observation-vitalsigns"),
            Status = ObservationStatus.Final,
            Category = [Concept(ObservationCategory, "vital-signs", "Vital Signs")],
            Code = Concept(Loinc, "85354-9", "Blood pressure panel"),
            Subject = PatientRef, Encounter = encounter.Reference(), Effective = Time.DateTime(when), Performer = [SharedData.Practitioner(_pcp)],
            Component =
            [
                new Observation.ComponentComponent { Code = Concept(Loinc, Systolic.Code, Systolic.Display), Value = Quantity((decimal)systolic, Systolic.Unit), Interpretation = [Interpret(Systolic, systolic)] },
                new Observation.ComponentComponent { Code = Concept(Loinc, Diastolic.Code, Diastolic.Display), Value = Quantity((decimal)diastolic, Diastolic.Unit), Interpretation = [Interpret(Diastolic, diastolic)] },
            ],
        });
        AddVital(encounter, when, HeartRate, _random.Normal(HeartRate.Mean, HeartRate.Sd));
        // Weight drifts slowly around the patient's own baseline (drawn from the patient's first random numbers).
        AddVital(encounter, when, Weight, SeededRandom.For(_options.Seed, _index).Normal(Weight.Mean, Weight.Sd) + _random.Normal(0, 1.2));
        if (_diabetic) AddResult(encounter, BloodGlucose, when);
    }

    private void AddVital(GeneratedEntry encounter, DateTimeOffset when, Analyte analyte, double value) => Add(new Observation
    {
        Meta = Profile("portal-observation-vitalsigns"),
        Status = ObservationStatus.Final,
        Category = [Concept(ObservationCategory, "vital-signs", "Vital Signs")],
        Code = Concept(Loinc, analyte.Code, analyte.Display),
        Subject = PatientRef, Encounter = encounter.Reference(), Effective = Time.DateTime(when), Performer = [SharedData.Practitioner(_pcp)],
        Value = Quantity((decimal)Math.Round(value, analyte.Decimals), analyte.Unit),
        Interpretation = analyte.High > 0 ? [Interpret(analyte, value)] : [],
    });

    /// <summary>A laboratory DiagnosticReport with one Observation per analyte of the panel.</summary>
    private void AddLabReport(GeneratedEntry encounter, Panel panel, DateTimeOffset collected)
    {
        var results = panel.Results.Select(a => AddResult(encounter, _diabetic && a.Code is "2345-7" or "4548-4" ? a with { Mean = a.Mean * 1.35 } : a, collected)).ToList();
        Add(new DiagnosticReport
        {
            Status = DiagnosticReport.DiagnosticReportStatus.Final,
            Category = [Concept("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")],
            Code = Concept(Loinc, panel.Code, panel.Display),
            Subject = PatientRef, Encounter = encounter.Reference(),
            Effective = Time.DateTime(collected), Issued = collected.AddHours(_random.Between(4, 30)),
            Performer = [SharedData.Facility(_pcp)], ResultsInterpreter = [SharedData.Practitioner(_pcp)],
            Result = results.Select(r => r.Reference()).ToList(),
        });
    }

    private GeneratedEntry AddResult(GeneratedEntry encounter, Analyte a, DateTimeOffset collected)
    {
        var value = Math.Max(a.Mean / 4, _random.Normal(a.Mean, a.Sd));
        return Add(new Observation
        {
            Meta = Profile("portal-observation-laboratory"),
            Status = ObservationStatus.Final,
            Category = [Concept(ObservationCategory, "laboratory", "Laboratory")],
            Code = Concept(Loinc, a.Code, a.Display),
            Subject = PatientRef, Encounter = encounter.Reference(), Effective = Time.DateTime(collected), Issued = collected.AddHours(4),
            Value = Quantity((decimal)Math.Round(value, a.Decimals), a.Unit),
            Interpretation = [Interpret(a, value)],
            ReferenceRange = [new Observation.ReferenceRangeComponent { Low = a.Low > 0 ? Quantity((decimal)a.Low, a.Unit) : null, High = Quantity((decimal)a.High, a.Unit) }],
        });
    }

    private static Quantity Quantity(decimal value, string unit) => new() { Value = value, Unit = unit, System = Ucum, Code = unit };

    private static CodeableConcept Interpret(Analyte a, double value) =>
        value > a.High ? Concept(Interpretation, "H", "High") : a.Low > 0 && value < a.Low ? Concept(Interpretation, "L", "Low") : Concept(Interpretation, "N", "Normal");
}

using FhirPortal.Core.Access;
using FhirPortal.Core.Scheduling;
using Hl7.Fhir.Model;
using Status = Hl7.Fhir.Model.Appointment.AppointmentStatus;

namespace FhirPortal.Core.Tests.Scheduling;

public sealed class AppointmentStatesTests
{
    private static readonly DateTimeOffset Now = new(2030, 3, 4, 8, 0, 0, TimeSpan.Zero);

    private static Appointment Appointment(Status status, string slot = "s1", int startHour = 9, DateTimeOffset? holdExpires = null)
    {
        var appointment = new Appointment
        {
            Status = status,
            Start = Now.AddHours(startHour - 8),
            Slot = [new ResourceReference($"Slot/{slot}")],
            Participant = [new Appointment.ParticipantComponent { Actor = new ResourceReference("Patient/p1"), Status = ParticipationStatus.Accepted }],
        };
        AppointmentStates.SetHoldExpires(appointment, holdExpires);
        return appointment;
    }

    [Theory]
    [InlineData(Status.Booked, null, true)]
    [InlineData(Status.Pending, null, true)]
    [InlineData(Status.Pending, 5, true)]
    [InlineData(Status.Pending, -5, false)]
    [InlineData(Status.Pending, 0, false)]
    [InlineData(Status.Proposed, null, false)]
    [InlineData(Status.Cancelled, null, false)]
    [InlineData(Status.Fulfilled, null, false)]
    public void A_slot_is_held_by_occupying_appointments_until_their_hold_lapses(Status status, int? expiresInMinutes, bool holds)
    {
        var appointment = Appointment(status, holdExpires: expiresInMinutes is { } m ? Now.AddMinutes(m) : null);
        Assert.Equal(holds, AppointmentStates.HoldsSlots(appointment, Now));
    }

    [Theory]
    [InlineData(null, Status.Booked, "s1", AppointmentChange.Booked)]
    [InlineData(Status.Pending, Status.Booked, "s1", AppointmentChange.Booked)]
    [InlineData(Status.Booked, Status.Booked, "s2", AppointmentChange.Rescheduled)]
    [InlineData(Status.Booked, Status.Cancelled, "s1", AppointmentChange.Cancelled)]
    [InlineData(Status.Booked, Status.Booked, "s1", null)]
    [InlineData(Status.Booked, Status.Arrived, "s1", null)]
    [InlineData(null, Status.Pending, "s1", null)]
    [InlineData(Status.Pending, Status.Cancelled, "s1", null)]
    public void Bookings_reschedules_and_cancellations_are_the_changes_worth_a_notice(Status? before, Status after, string afterSlot, AppointmentChange? expected)
    {
        var old = before is { } b ? Appointment(b) : null;
        Assert.Equal(expected, AppointmentNotices.ChangeOf(old, Appointment(after, afterSlot)));
    }

    [Theory]
    [InlineData("patient/Appointment.cru", null, true)]
    [InlineData("patient/Appointment.cru launch/patient openid", "Patient/p1", true)]
    [InlineData("user/Appointment.cru", "Patient/p1", true)]
    [InlineData("user/Appointment.cru", "Practitioner/dr1", false)]
    [InlineData("patient/Appointment.cru", "Practitioner/dr1", false)]
    [InlineData("system/Appointment.cru", null, false)]
    public void Patients_are_told_apart_from_staff(string scopes, string? fhirUser, bool patient)
    {
        var policy = new AccessPolicy(null!, null!, null!);
        var access = policy.For(new Caller(scopes.Split(' '), PatientId: "p1", FhirUser: fhirUser));
        Assert.Equal(patient, SchedulingRules.IsPatient(access));
    }
}

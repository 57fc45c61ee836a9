using System.Globalization;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;

namespace FhirPortal.PatientPortal.Fhir;

/// <summary>
/// The server's IHE scheduling operations for the signed-in patient: <c>Appointment/$find</c> for free times and
/// <c>Appointment/$book</c> to book or cancel. The server owns the rules (cancellation window, races), so errors
/// come back as its OperationOutcome.
/// </summary>
public sealed class Scheduling(PatientRecord record)
{
    public const string VisitTypeSystem = "http://fhirportal.org/fhir/CodeSystem/visit-type";

    /// <summary>Who and where can be booked: the actors of the active Schedules (Practitioners and Locations), id → name.</summary>
    public async Task<(Dictionary<string, string> Practitioners, Dictionary<string, string> Locations)> DirectoryAsync()
    {
        var bundle = await (await record.ClientAsync()).SearchAsync<Schedule>(["active=true", "_include=Schedule:actor", "_count=100"]);
        var resources = bundle?.Entry.Select(e => e.Resource).ToList() ?? [];
        return (resources.OfType<Practitioner>().ToDictionary(p => "Practitioner/" + p.Id, p => Display.Name(p.Name)),
            resources.OfType<Location>().ToDictionary(l => "Location/" + l.Id, l => l.Name ?? l.Id!));
    }

    /// <summary>Free times as proposed Appointments, soonest first.</summary>
    public async Task<List<Appointment>> FindAsync(string? practitioner, string? location, string? visitType, DateOnly from, int days, int count)
    {
        var parameters = new Parameters();
        parameters.Add("start", new Date(from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        parameters.Add("end", new Date(from.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        parameters.Add("patient", new FhirString(record.PatientReference));
        if (!string.IsNullOrEmpty(practitioner)) parameters.Add("practitioner", new FhirString(practitioner));
        if (!string.IsNullOrEmpty(location)) parameters.Add("location", new FhirString(location));
        if (!string.IsNullOrEmpty(visitType)) parameters.Add("visit-type", new Code(visitType));
        parameters.Add("_count", new Integer(count));
        var result = await (await record.ClientAsync()).TypeOperationAsync<Appointment>("find", parameters, useGet: true);
        return (result as Bundle)?.Entry.Select(e => e.Resource).OfType<Appointment>().ToList() ?? [];
    }

    /// <summary>Books the free Slot: the appointment names the patient and the Schedule's actors, start and end come from the Slot.</summary>
    public async Task<Appointment> BookAsync(string slotId)
    {
        var client = await record.ClientAsync();
        var slot = await client.ReadAsync<Slot>("Slot/" + slotId);
        var schedule = await client.ReadAsync<Schedule>(slot!.Schedule.Reference!);
        var appointment = new Appointment
        {
            Status = Appointment.AppointmentStatus.Proposed,
            Slot = [new ResourceReference("Slot/" + slotId)],
            ServiceType = slot.ServiceType,
            Specialty = slot.Specialty,
            Participant = [new Appointment.ParticipantComponent { Actor = new ResourceReference(record.PatientReference), Status = ParticipationStatus.Accepted }],
        };
        foreach (var actor in schedule!.Actor)
            appointment.Participant.Add(new Appointment.ParticipantComponent { Actor = new ResourceReference(actor.Reference, actor.Display), Status = ParticipationStatus.Accepted });
        return await RunBookAsync(appointment);
    }

    /// <summary>Cancels a booked appointment ($book with status cancelled; the server frees the Slot).</summary>
    public async Task<Appointment> CancelAsync(string appointmentId)
    {
        var appointment = await (await record.ClientAsync()).ReadAsync<Appointment>("Appointment/" + appointmentId);
        appointment!.Status = Appointment.AppointmentStatus.Cancelled;
        appointment.CancelationReason = new CodeableConcept { Text = "Cancelled by the patient in the portal" };
        return await RunBookAsync(appointment);
    }

    private async Task<Appointment> RunBookAsync(Appointment appointment)
    {
        var parameters = new Parameters();
        parameters.Add("appointment-resource", appointment);
        var result = await (await record.ClientAsync()).TypeOperationAsync<Appointment>("book", parameters);
        return (result as Bundle)?.Entry.Select(e => e.Resource).OfType<Appointment>().FirstOrDefault()
               ?? throw new InvalidOperationException("$book answered without an Appointment.");
    }
}

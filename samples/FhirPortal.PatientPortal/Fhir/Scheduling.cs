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

    /// <summary>
    /// Who and where can be booked: the practitioners and locations of the active PractitionerRoles, reference → name.
    /// (Schedules themselves lie in the Patient compartment of their actors, so a patient token cannot list them.)
    /// </summary>
    public async Task<(Dictionary<string, string> Practitioners, Dictionary<string, string> Locations)> DirectoryAsync()
    {
        var bundle = await (await record.ClientAsync()).SearchAsync<PractitionerRole>(
            ["active=true", "_include=PractitionerRole:practitioner", "_include=PractitionerRole:location", "_count=100"]);
        var resources = bundle?.Entry.Select(e => e.Resource).ToList() ?? [];
        return (resources.OfType<Practitioner>().DistinctBy(p => p.Id).ToDictionary(p => "Practitioner/" + p.Id, p => Display.Name(p.Name)),
            resources.OfType<Location>().DistinctBy(l => l.Id).ToDictionary(l => "Location/" + l.Id, l => l.Name ?? l.Id!));
    }

    /// <summary>Free times as proposed Appointments, soonest first.</summary>
    public async Task<List<Appointment>> FindAsync(FindCriteria criteria)
    {
        var parameters = new Parameters();
        parameters.Add("start", new Date(criteria.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        parameters.Add("end", new Date(criteria.From.AddDays(FindCriteria.Days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        parameters.Add("patient", new FhirString(record.PatientReference));
        if (!string.IsNullOrEmpty(criteria.Practitioner)) parameters.Add("practitioner", new FhirString(criteria.Practitioner));
        if (!string.IsNullOrEmpty(criteria.Location)) parameters.Add("location", new FhirString(criteria.Location));
        if (!string.IsNullOrEmpty(criteria.VisitType)) parameters.Add("visit-type", new Code(criteria.VisitType));
        parameters.Add("_count", new Integer(FindCriteria.Count));
        var result = await (await record.ClientAsync()).TypeOperationAsync<Appointment>("find", parameters, useGet: true);
        return (result as Bundle)?.Entry.Select(e => e.Resource).OfType<Appointment>().ToList() ?? [];
    }

    /// <summary>
    /// Books the proposal $find made for a slot, as IHE intends ($find, then $book with its Appointment): the same
    /// search runs again, so the form carries only the slot id, never an Appointment to trust.
    /// </summary>
    public async Task<Appointment> BookAsync(FindCriteria criteria, string slotId)
    {
        var proposal = (await FindAsync(criteria)).FirstOrDefault(a => a.Slot.Any(s => s.Reference == "Slot/" + slotId))
                       ?? throw new SlotUnavailableException();
        return await RunBookAsync(proposal);
    }

    /// <summary>
    /// Moves a booked appointment to another free time (ITI-117 <c>$book</c> with the booked appointment's id and the new
    /// slot): the server frees the old slot and takes the new one in one commit; if the new one is taken the booking stays.
    /// </summary>
    public async Task<Appointment> RescheduleAsync(string appointmentId, FindCriteria criteria, string slotId)
    {
        var proposal = (await FindAsync(criteria)).FirstOrDefault(a => a.Slot.Any(s => s.Reference == "Slot/" + slotId))
                       ?? throw new SlotUnavailableException();
        proposal.Id = appointmentId;
        return await RunBookAsync(proposal);
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

/// <summary>What the patient looks for: provider, location, in-person or virtual, and the week starting at <see cref="From"/>.</summary>
public sealed record FindCriteria(string? Practitioner, string? Location, string? VisitType, DateOnly From)
{
    public const int Days = 7, Count = 12;
}

/// <summary>The chosen time is no longer offered (taken or held by someone else meanwhile).</summary>
public sealed class SlotUnavailableException() : Exception("That time is no longer free. Please choose another.");

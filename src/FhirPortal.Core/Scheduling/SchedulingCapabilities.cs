using FhirPortal.Core.Operations;
using Hl7.Fhir.Model;
using Use = Hl7.Fhir.Model.OperationParameterUse;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// The OperationDefinitions of scheduling ($find, $hold and $book on Appointment, shaped after IHE ITI-115/116/117): listed in the CapabilityStatement and stored at start-up through
/// <see cref="FeatureDefinitions"/> (<c>[base]/OperationDefinition/{id}</c>).
/// </summary>
public static class SchedulingCapabilities
{
    private const string CanonicalBase = "http://fhirportal.org/fhir/OperationDefinition/";

    /// <summary>The three OperationDefinitions (R4 operationdefinition.html).</summary>
    public static IReadOnlyList<OperationDefinition> Definitions() =>
    [
        Definition("find", "Find appointment times (IHE ITI-115)", affectsState: false,
            "Proposed Appointments (status proposed, no id) built from free Slots, soonest first: each names its slot, the schedule's actors " +
            "(practitioner, location, ...) and the patient, with start/end in the location's time zone (Location extension " +
            "http://hl7.org/fhir/StructureDefinition/timezone). Only slots at least FhirPortal:Scheduling:LeadTime ahead and inside the " +
            "schedule's planningHorizon; held (until the hold lapses) and booked slots never. GET or POST (Parameters). Paged with next links.",
            In("start", FHIRAllTypes.DateTime, "Earliest start (date or dateTime); default now + lead time."),
            In("end", FHIRAllTypes.DateTime, "Latest start (exclusive); default start + 14 days."),
            Token("specialty", "Slot.specialty (system|code); repeat or comma-separate for any of them.", "*"),
            Token("service-type", "Slot.serviceType (system|code).", "*"),
            In("practitioner", FHIRAllTypes.Reference, "Practitioner/[id] (or id) among the schedule's actors; several = any.", "*"),
            In("location-reference", FHIRAllTypes.Reference, "Location/[id] (or id) among the schedule's actors; several = any. (location: the same, this server's earlier name.)", "*"),
            Token("visit-type", "Slot.serviceType (system|code), several = any; or in-person | virtual (codes of " + FindRequest.VisitTypeSystem + ").", "*"),
            In("patient-reference", FHIRAllTypes.Reference, "Patient/[id] the proposals are for; a patient's app may name only its own (default). (patient: the same, this server's earlier name.)"),
            In("_count", FHIRAllTypes.Integer, "Proposals per page."),
            Out("return", FHIRAllTypes.Bundle, "Searchset Bundle of proposed Appointments.")),
        Definition("hold", "Hold an appointment time (IHE ITI-116)", affectsState: true,
            "Places a hold: the Appointment is stored as pending with an expiry (extension " + AppointmentStates.HoldExpiresUrl + ", " +
            "FhirPortal:Scheduling:HoldLifetime after now) and its Slots become busy-tentative. A lapsed hold frees the slot by itself. " +
            "409 when the time was taken.",
            In("appointment-resource", FHIRAllTypes.Appointment, "A proposed Appointment (from $find) naming its slot(s) and patient."),
            In("appointment-reference", FHIRAllTypes.Reference, "Appointment/[id] of a stored proposed or pending appointment."),
            Out("return", FHIRAllTypes.Bundle, "Searchset Bundle with the pending Appointment.")),
        Definition("book", "Book, reschedule or cancel an appointment (IHE ITI-117)", affectsState: true,
            "Books a proposed, held or new appointment (status booked, slots busy); with the id of a booked appointment and other slots, " +
            "reschedules it atomically (the old slots are freed; if the new time is taken, 409 and the booking stays); with status " +
            "cancelled, cancels it (cancelationReason, slots freed). Patients cannot cancel or move within " +
            "FhirPortal:Scheduling:CancellationWindow of the start (422); staff can.",
            In("appointment-resource", FHIRAllTypes.Appointment, "The Appointment to book, modify (its id, new slot) or cancel (status cancelled)."),
            In("appointment-reference", FHIRAllTypes.Reference, "Appointment/[id] of a proposed or held appointment to book."),
            Out("return", FHIRAllTypes.Bundle, "Searchset Bundle with the resulting Appointment.")),
    ];

    private static OperationDefinition Definition(string code, string title, bool affectsState, string description, params OperationDefinition.ParameterComponent[] parameters) => new()
    {
        Id = "Appointment-" + code,
        Url = CanonicalBase + "Appointment-" + code,
        Name = "Appointment" + char.ToUpperInvariant(code[0]) + code[1..],
        Title = title,
        Status = PublicationStatus.Active,
        Kind = OperationDefinition.OperationKind.Operation,
        Code = code,
        Resource = [ResourceType.Appointment],
        System = false,
        Type = true,
        Instance = false,
        AffectsState = affectsState,
        Description = description,
        Parameter = [.. parameters],
    };

    private static OperationDefinition.ParameterComponent In(string name, FHIRAllTypes type, string documentation, string max = "1") =>
        new() { Name = name, Use = Use.In, Min = 0, Max = max, Type = type, Documentation = documentation };

    private static OperationDefinition.ParameterComponent Token(string name, string documentation, string max) =>
        new() { Name = name, Use = Use.In, Min = 0, Max = max, Type = FHIRAllTypes.String, SearchType = SearchParamType.Token, Documentation = documentation };

    private static OperationDefinition.ParameterComponent Out(string name, FHIRAllTypes type, string documentation) =>
        new() { Name = name, Use = Use.Out, Min = 1, Max = "1", Type = type, Documentation = documentation };
}

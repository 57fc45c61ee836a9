using Hl7.Fhir.Model;

namespace FhirPortal.Core.Scheduling;

/// <summary>
/// The input of $hold and $book (IHE ITI-116/117): <c>appointment-resource</c> (an Appointment, e.g. a proposal from
/// $find) or <c>appointment-reference</c> (<c>Appointment/id</c> of a stored one). A bare Appointment body is also taken.
/// </summary>
public sealed record BookingRequest(Appointment? Resource, string? ReferenceId)
{
    public static BookingRequest From(Resource? body)
    {
        switch (body)
        {
            case Appointment appointment:
                return new BookingRequest(appointment, null);
            case Parameters parameters:
                var resource = parameters.Parameter.FirstOrDefault(p => p.Name == "appointment-resource")?.Resource;
                var reference = parameters.Parameter.FirstOrDefault(p => p.Name == "appointment-reference")?.Value;
                if (resource is not null and not Appointment)
                    throw FhirOutcomeException.BadRequest($"appointment-resource must be an Appointment, not a {resource.TypeName}.", "appointment-resource");
                var id = reference switch
                {
                    null => null,
                    ResourceReference r when r.Reference?.Split('/') is [.., "Appointment", var value] && value.Length > 0 => value,
                    _ => throw FhirOutcomeException.BadRequest("appointment-reference must be a Reference to Appointment/[id].", "appointment-reference"),
                };
                if ((resource is null) == (id is null))
                    throw FhirOutcomeException.BadRequest("Give exactly one of appointment-resource and appointment-reference.");
                return new BookingRequest((Appointment?)resource, id);
            case null:
                throw FhirOutcomeException.BadRequest("The operation needs a Parameters body with appointment-resource or appointment-reference.");
            default:
                throw FhirOutcomeException.BadRequest($"The body must be a Parameters resource, not a {body.TypeName}.");
        }
    }
}

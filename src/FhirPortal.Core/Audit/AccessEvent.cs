using FhirPortal.Core.Access;
using FhirPortal.Storage;

namespace FhirPortal.Core.Audit;

/// <summary>
/// One access to patient data as the request path hands it to the audit queue: only what is already at hand, so
/// recording costs the request nothing; <see cref="AccessEventBuilder"/> turns it into an AuditEvent off the path.
/// </summary>
/// <param name="Interaction">The restful-interaction code: read, vread, search-type, search-system, history-*, operation.</param>
/// <param name="Query">The request as the client asked it (e.g. <c>Observation?code=x</c>, <c>Patient/1/$everything</c>).</param>
/// <param name="Resources">The versions returned; the patients they belong to are worked out off the request path.</param>
/// <param name="Patients">Patients the request names itself (a compartment, an $everything or $export patient).</param>
/// <param name="Status">The HTTP status the request ended with (200, or the error's).</param>
public sealed record AccessEvent(
    string Interaction,
    Caller Caller,
    string Query,
    IReadOnlyList<StoredResource> Resources,
    IReadOnlyList<string> Patients,
    int Status,
    string? Error,
    DateTimeOffset Recorded)
{
    /// <summary>R for reads and searches; E for operations ($everything, $export), as DICOM's action codes say.</summary>
    public string ActionCode => Interaction == "operation" ? "E" : "R";

    /// <summary>The audit-event-outcome code: 0 success, 4 a refused request (4xx), 8 a failure (5xx).</summary>
    public string OutcomeCode => Status switch { < 400 => "0", < 500 => "4", _ => "8" };
}

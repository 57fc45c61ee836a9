using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// Types outside the R4 Patient compartment that this server still writes about one patient (the messaging inbox
/// Tasks): a patient-bound grant reads and searches only those whose patient parameter names its patient. Kept out
/// of <see cref="CompartmentMembership"/> so compartment searches and $everything keep their R4 meaning.
/// </summary>
internal static class PatientLinkedTypes
{
    // Task.for is the patient the inbox Task is about (search parameter "patient").
    private static readonly Dictionary<string, string> Parameters = new(StringComparer.Ordinal) { ["Task"] = "patient" };

    /// <summary>
    /// Whether a patient-bound grant may create or update the type (still confined to its patient): Task, because a
    /// patient asks for refills and cancels them (the refill rules refuse every other Task write of a patient).
    /// </summary>
    public static bool PatientMayWrite(string type, Permissions permission) =>
        type == "Task" && permission is Permissions.Create or Permissions.Update;

    /// <summary>The condition confining <paramref name="type"/> to <paramref name="patient"/>, or null when the type is not patient-linked.</summary>
    public static SearchCondition? Condition(string type, string patient) =>
        Parameters.TryGetValue(type, out var param) ? new ReferenceCondition(param, [new ReferenceMatch("Patient", patient, null)]) : null;
}

using FhirPortal.Search;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// Who an Invoice bills, read the way the search index and the patient compartment read references (a version or a
/// base URL dropped), so billing rules and operations see the same patient that access checks see.
/// </summary>
internal static class InvoiceSubject
{
    /// <summary>The subject as "Type/id" (the literal itself when it names no local resource); null when there is none.</summary>
    public static string? Of(Invoice invoice) => invoice.Subject?.Reference is { Length: > 0 } reference
        ? ReferenceValues.TryParseLiteral(reference, out var type, out var id, out _) ? $"{type}/{id}" : reference
        : null;

    /// <summary>The id of the Patient the Invoice bills; null when its subject is no Patient.</summary>
    public static string? PatientId(Invoice invoice) =>
        invoice.Subject?.Reference is { Length: > 0 } reference
        && ReferenceValues.TryParseLiteral(reference, out var type, out var id, out _) && type == "Patient" ? id : null;
}

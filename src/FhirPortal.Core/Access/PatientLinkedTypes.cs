using FhirPortal.Search;

namespace FhirPortal.Core.Access;

/// <summary>
/// How a patient-bound grant reaches types the R4 Patient compartment does not (fully) tie to one patient: the
/// messaging inbox Tasks (their <c>patient</c>), and bills: Accounts the patient is subject of (compartment) or
/// guarantor of, those Accounts' Invoices, and the PaymentReconciliations paying such Invoices. Kept out of
/// <see cref="CompartmentMembership"/> so compartment searches and $everything keep their R4 meaning.
/// </summary>
internal static class PatientLinkedTypes
{
    // Records others keep and patients only read: bills and payments (the server and billing staff), the claims and
    // EOBs an Invoice bills from (submitted − benefit), and dispenses (refill counting and the "too early" window).
    private static readonly HashSet<string> KeptByOthers = new(StringComparer.Ordinal)
    {
        "Account", "Invoice", "PaymentReconciliation", "ChargeItem",
        "Claim", "ClaimResponse", "ExplanationOfBenefit",
        "MedicationDispense",
    };

    /// <summary>
    /// Whether a patient-bound grant may create, update or delete <paramref name="type"/> (still confined to its
    /// patient): never records others keep (bills, claims, EOBs, dispenses); types of the patient's compartment; and Task create/update outside it, because a patient
    /// asks for refills and cancels them (the refill rules refuse every other Task write of a patient); and Subscriptions, confined to those the patient's side wrote.
    /// </summary>
    public static bool PatientMayWrite(string type, Permissions permission, bool inCompartment) =>
        !KeptByOthers.Contains(type) && (inCompartment || (type == "Task" && permission is Permissions.Create or Permissions.Update)
                                          || type == "Subscription");

    /// <summary>
    /// The condition confining <paramref name="type"/> to <paramref name="patient"/> instead of (or besides) its
    /// compartment, or null when the type has none (the compartment, if any, applies).
    /// </summary>
    public static SearchCondition? Condition(string type, string patient, Caller caller) => type switch
    {
        // Task.for is the patient the inbox Task is about (search parameter "patient").
        "Task" => PatientReference("patient", patient),
        "Account" => Either(new CompartmentCondition("Patient", patient), Guarantor(patient)),
        "Invoice" => InvoiceOf(patient),
        // detail.request names the Invoices a payment settles (search parameter "invoice", Core/Billing).
        "PaymentReconciliation" => new ChainCondition("invoice", "Invoice", InvoiceOf(patient)),
        // A patient's subscriptions are those its patient side wrote, not staff ones filtered to the patient.
        "Subscription" => Subscriptions.SubscriptionOwnerSearch.PatientCondition(patient, caller),
        _ => null,
    };

    /// <summary>Invoices in the patient's compartment, or of an Account the patient is guarantor of.</summary>
    private static SearchCondition InvoiceOf(string patient) =>
        Either(new CompartmentCondition("Patient", patient), new ChainCondition("account", "Account", Guarantor(patient)));

    private static ReferenceCondition Guarantor(string patient) => PatientReference("guarantor", patient);

    private static ReferenceCondition PatientReference(string param, string patient) => new(param, [new ReferenceMatch("Patient", patient, null)]);

    private static AnyOfCondition Either(SearchCondition first, SearchCondition second) => new([[first], [second]]);
}

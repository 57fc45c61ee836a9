using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// One patient per payment, on every write (REST, transactions, operations): a PaymentReconciliation's details may
/// settle the Invoices of one patient only (the Invoices' <c>subject</c>; R4 lets a detail's submitter and payee be
/// practitioners and organizations only), so a patient who may read a payment of theirs never sees another patient's invoices or amounts in it.
/// A remittance covering several patients is recorded as one PaymentReconciliation per patient (422 otherwise).
/// For the same reason an Invoice keeps its subject once written (cancel and reissue to bill someone else).
/// Invoices not (yet) on the server name no patient.
/// </summary>
internal sealed class PaymentRules : IWriteRule
{
    public async Task CheckAsync(UnitOfWork unit, StagedWrite write, CancellationToken ct)
    {
        if (write.Version.IsDeleted) return;
        switch (write.Version.Key.Type)
        {
            case "Invoice":
                if (write.Previous is { IsDeleted: false } previous
                    && Subject((Invoice)FhirParser.ParseStored(previous.Json.Span)) is { } before
                    && Subject((Invoice)FhirParser.ParseStored(write.Version.Json.Span)) != before)
                    throw FhirOutcomeException.Unprocessable($"{write.Version.Key} bills {before}; its subject cannot change (cancel it and issue a new one).", "Invoice.subject");
                return;
            case "PaymentReconciliation":
                var payment = (PaymentReconciliation)FhirParser.ParseStored(write.Version.Json.Span);
                var patients = new HashSet<string>(StringComparer.Ordinal);
                foreach (var detail in payment.Detail)
                {
                    if (detail.Request?.Reference?.Split('/') is ["Invoice", { Length: > 0 } id]
                        && await unit.CurrentAsync(new ResourceKey("Invoice", id), ct) is { IsDeleted: false } invoice
                        && Subject((Invoice)FhirParser.ParseStored(invoice.Json.Span)) is { } subject)
                        patients.Add(subject);
                }
                if (patients.Count > 1)
                    throw FhirOutcomeException.Unprocessable(
                        $"{write.Version.Key} settles bills of several patients ({string.Join(", ", patients.Order(StringComparer.Ordinal))}); record one PaymentReconciliation per patient.",
                        "PaymentReconciliation.detail");
                return;
        }
    }

    private static string? Subject(Invoice invoice) => invoice.Subject?.Reference;
}

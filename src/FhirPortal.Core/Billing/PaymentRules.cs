using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// One patient per payment, on every write (REST, transactions, operations): a PaymentReconciliation's details may
/// settle the Invoices of one patient only (the Invoices' <c>subject</c>; R4 lets a detail's submitter and payee be
/// practitioners and organizations only), so a patient who may read a payment of theirs never sees another patient's invoices or amounts in it.
/// A remittance covering several patients is recorded as one PaymentReconciliation per patient (422 otherwise).
/// For the same reason an Invoice keeps its subject once written, across a delete too (cancel and reissue to bill someone else).
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
                // A deleted Invoice recreated under its id still bills whom it billed before the delete.
                if (await LastLiveAsync(unit, write.Previous, ct) is { } previous
                    && InvoiceSubject.Of((Invoice)FhirParser.ParseStored(previous.Json.Span)) is { } before
                    && InvoiceSubject.Of((Invoice)unit.ResourceOf(write.Version)!) != before)
                    throw FhirOutcomeException.Unprocessable($"{write.Version.Key} bills {before}; its subject cannot change (cancel it and issue a new one).", "Invoice.subject");
                return;
            case "PaymentReconciliation":
                var payment = (PaymentReconciliation)unit.ResourceOf(write.Version)!;
                var patients = new HashSet<string>(StringComparer.Ordinal);
                foreach (var detail in payment.Detail)
                {
                    if (InvoiceOf(detail) is { } id
                        && await unit.CurrentAsync(new ResourceKey("Invoice", id), ct) is { IsDeleted: false } invoice
                        && InvoiceSubject.Of((Invoice)FhirParser.ParseStored(invoice.Json.Span)) is { } subject)
                        patients.Add(subject);
                }
                if (patients.Count > 1)
                    throw FhirOutcomeException.Unprocessable(
                        $"{write.Version.Key} settles bills of several patients ({string.Join(", ", patients.Order(StringComparer.Ordinal))}); record one PaymentReconciliation per patient.",
                        "PaymentReconciliation.detail");
                return;
        }
    }

    /// <summary>
    /// The Invoice id a detail settles, read as the search index reads it (so the check covers every Invoice a
    /// reader can reach through the payment). Versioned and absolute Invoice references are refused: the index files
    /// them under the bare id, whatever version or server they name.
    /// </summary>
    private static string? InvoiceOf(PaymentReconciliation.DetailsComponent detail)
    {
        if (detail.Request?.Reference is not { Length: > 0 } reference
            || !ReferenceValues.TryParseLiteral(reference, out var type, out var id, out var absoluteUrl) || type != "Invoice")
            return null;
        if (absoluteUrl is not null || reference.Contains("/_history", StringComparison.Ordinal))
            throw FhirOutcomeException.Unprocessable(
                $"A payment detail refers to an Invoice as '{reference}'; refer to an Invoice of this server as Invoice/{{id}}.",
                "PaymentReconciliation.detail.request");
        return id;
    }

    /// <summary>The latest version before this write that was not a delete; null for a resource never written.</summary>
    private static async Task<StoredResource?> LastLiveAsync(UnitOfWork unit, StoredResource? previous, CancellationToken ct)
    {
        while (previous is { IsDeleted: true, VersionId: > 1 })
            previous = await unit.Store.ReadVersionAsync(previous.Key, previous.VersionId - 1, ct);
        return previous is { IsDeleted: false } ? previous : null;
    }
}

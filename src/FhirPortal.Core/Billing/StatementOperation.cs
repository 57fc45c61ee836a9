using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>One line of a statement: what was charged and how much the patient owes for it.</summary>
public sealed record StatementLine(string Description, decimal Amount);

/// <summary>What a printed statement shows of one Invoice (the host renders it as PDF or HTML).</summary>
public sealed record Statement(string InvoiceId, string Status, string PatientName, string? GuarantorId, string? Date, DateOnly Due,
    IReadOnlyList<StatementLine> Lines, decimal Total, decimal Paid, decimal Open, string Currency);

/// <summary>
/// <c>GET Invoice/{id}/$statement</c>: the printable view of an Invoice, for whoever may read it. Lines are the
/// Invoice's <c>lineItem</c>s (their price components), else the EOBs it bills, else one line for its total; paid is
/// what active payments paid on it. Audited as an operation on the Invoice's patient.
/// </summary>
public sealed class StatementOperation(IResourceStore store, CallerContext callers, AccessAudit audit, AccountLedger ledgers)
{
    private sealed record Result(Statement Statement, StoredResource Invoice, IReadOnlyList<string> Patients);

    public async Task<Statement> StatementAsync(string invoiceId, CancellationToken ct) =>
        (await audit.RecordAsync("operation", "Invoice", $"Invoice/{invoiceId}/$statement", [],
            () => BuildAsync(invoiceId, ct), r => [r.Invoice], r => r.Patients)).Statement;

    private async Task<Result> BuildAsync(string invoiceId, CancellationToken ct)
    {
        var access = callers.Current;
        var key = new ResourceKey("Invoice", invoiceId);
        access.Require(key.Type, Permissions.Read);
        var stored = await store.ReadAsync(key, ct) ?? throw FhirOutcomeException.NotFound($"{key} is not known.");
        await access.RequireReadAsync(stored, Permissions.Read, ct);
        if (stored.IsDeleted) throw FhirOutcomeException.Gone($"{key} was deleted.");
        var invoice = (Invoice)FhirParser.ParseStored(stored.Json.Span);
        var patientId = InvoiceSubject.PatientId(invoice);

        var account = invoice.Account?.Reference?.Split('/') is ["Account", { Length: > 0 } a] ? await store.ReadAsync(new ResourceKey("Account", a), ct) : null;
        var ledger = account is { IsDeleted: false } ? await ledgers.LoadAsync(account, ct) : null;
        var explanations = new List<ExplanationOfBenefit>();
        foreach (var id in InvoiceAmounts.ExplanationIds(invoice))
            if (await store.ReadAsync(new ResourceKey("ExplanationOfBenefit", id), ct) is { IsDeleted: false } eob)
                explanations.Add((ExplanationOfBenefit)FhirParser.ParseStored(eob.Json.Span));
        var charge = InvoiceAmounts.Charge(invoiceId, invoice, explanations);
        var paid = ledger?.Received.Where(r => r.InvoiceId == invoiceId).Sum(r => r.Amount) ?? 0;
        var guarantorId = account is { IsDeleted: false }
            ? ((Account)FhirParser.ParseStored(account.Json.Span)).Identifier.FirstOrDefault(i => i.System == BillingDefinitions.GuarantorIdSystem)?.Value
            : null;

        var statement = new Statement(invoiceId, charge.Status, await PatientNameAsync(invoice, patientId, ct), guarantorId, invoice.Date, charge.Due,
            Lines(invoice, explanations, charge), charge.Amount, paid, Math.Max(0, charge.Amount - paid), charge.Currency);
        return new Result(statement, stored, patientId is null ? [] : [patientId]);
    }

    private static IReadOnlyList<StatementLine> Lines(Invoice invoice, IReadOnlyList<ExplanationOfBenefit> explanations, InvoiceCharge charge)
    {
        var items = invoice.LineItem.Select(item => new StatementLine(Describe(item), item.PriceComponent.Sum(Signed))).ToList();
        if (items.Count > 0) return items;
        if (invoice.TotalNet is null && explanations.Count > 0)
            return [.. explanations.Select(e => new StatementLine($"Your share after insurance, claim of {e.Created}", InvoiceAmounts.PatientResponsibility(e).Amount))];
        return [new StatementLine("Charges", charge.Amount)];
    }

    private static string Describe(Invoice.LineItemComponent item) => item.ChargeItem switch
    {
        CodeableConcept concept => concept.Text ?? concept.Coding.Select(c => c.Display ?? c.Code).FirstOrDefault() ?? "Charge",
        ResourceReference reference => reference.Display ?? "Charge",
        _ => "Charge",
    };

    private static decimal Signed(Invoice.PriceComponentComponent component) => component.Type switch
    {
        InvoicePriceComponentType.Discount or InvoicePriceComponentType.Deduction => -(component.Amount?.Value ?? 0),
        InvoicePriceComponentType.Informational => 0,
        _ => component.Amount?.Value ?? 0,
    };

    private async Task<string> PatientNameAsync(Invoice invoice, string? patientId, CancellationToken ct)
    {
        if (patientId is not null && await store.ReadAsync(new ResourceKey("Patient", patientId), ct) is { IsDeleted: false } stored
            && FhirParser.ParseStored(stored.Json.Span) is Patient { Name: [var name, ..] })
            return name.Text ?? string.Join(" ", name.Given.Append(name.Family).Where(n => !string.IsNullOrWhiteSpace(n)));
        return invoice.Subject?.Display ?? invoice.Subject?.Reference ?? "";
    }
}

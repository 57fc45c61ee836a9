using FhirPortal.Core.Access;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>An Account with its Invoices, the EOBs they bill and the payments made on them, as stored now.</summary>
public sealed record Ledger(StoredResource Account, IReadOnlyList<StoredResource> Invoices, IReadOnlyList<StoredResource> Payments,
    IReadOnlyList<InvoiceCharge> Charges, IReadOnlyList<InvoicePayment> Received)
{
    /// <summary>The balance these resources give.</summary>
    public AccountBalance Balance() => AccountBalance.Compute(Charges, Received);
}

/// <summary>
/// Loads an Account's ledger from the store: <c>Invoice?account=Account/{id}</c>, the ExplanationOfBenefits those
/// Invoices bill, and <c>PaymentReconciliation?invoice=...</c>. The caller has already been allowed to read the Account.
/// </summary>
public sealed class AccountLedger(IResourceStore store)
{
    private const int PageSize = 200;

    public Task<Ledger> LoadAsync(StoredResource account, CancellationToken ct) => LoadAsync(account, null, ct);

    /// <summary>
    /// The ledger as <paramref name="reader"/> may see it (null: all of it): only the Invoices it may read, checked as a
    /// read of each is, and only the payments on those, so a patient on a shared Account sees no one else's bills.
    /// </summary>
    public async Task<Ledger> LoadAsync(StoredResource account, CallerAccess? reader, CancellationToken ct)
    {
        var invoices = await AllAsync("Invoice", [Reference("account", "Account", [account.Key.Id])], ct);
        if (reader is not null)
        {
            var visible = new List<StoredResource>();
            foreach (var invoice in invoices)
                if (await reader.MayReadAsync(invoice, Permissions.Read, ct)) visible.Add(invoice);
            invoices = visible;
        }
        var charges = new List<InvoiceCharge>();
        foreach (var stored in invoices)
        {
            var invoice = (Invoice)FhirParser.ParseStored(stored.Json.Span);
            var explanations = new List<ExplanationOfBenefit>();
            foreach (var id in InvoiceAmounts.ExplanationIds(invoice))
                if (await store.ReadAsync(new ResourceKey("ExplanationOfBenefit", id), ct) is { IsDeleted: false } eob)
                    explanations.Add((ExplanationOfBenefit)FhirParser.ParseStored(eob.Json.Span));
            charges.Add(InvoiceAmounts.Charge(stored.Key.Id, invoice, explanations));
        }
        var payments = new List<StoredResource>();
        // Note: a reference condition's list of targets stays short so every store takes it in one query.
        foreach (var chunk in invoices.Select(i => i.Key.Id).Chunk(50))
            payments.AddRange(await AllAsync("PaymentReconciliation", [Reference("invoice", "Invoice", chunk)], ct));
        var received = payments.DistinctBy(p => p.Key.Id)
            .SelectMany(p => InvoiceAmounts.Payments((PaymentReconciliation)FhirParser.ParseStored(p.Json.Span)))
            // A payment may settle several Invoices: a restricted reader gets only its parts on the Invoices it sees.
            .Where(p => reader is null || charges.Any(c => c.Id == p.InvoiceId)).ToList();
        return new Ledger(account, invoices, payments.DistinctBy(p => p.Key.Id).ToList(), charges, received);
    }

    private static ReferenceCondition Reference(string param, string type, IEnumerable<string> ids) =>
        new(param, [.. ids.Select(id => new ReferenceMatch(type, id, null))]);

    private async Task<List<StoredResource>> AllAsync(string type, IReadOnlyList<SearchCondition> conditions, CancellationToken ct)
    {
        var all = new List<StoredResource>();
        string? cursor = null;
        do
        {
            var page = await store.SearchAsync(new SearchQuery(type, conditions, PageSize, cursor), ct);
            all.AddRange(page.Entries);
            cursor = page.NextCursor;
        } while (cursor is not null);
        return all;
    }
}

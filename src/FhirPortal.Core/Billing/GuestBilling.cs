using FhirPortal.Core.Access;
using FhirPortal.Core.Serialization;
using FhirPortal.Search;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>A payment on a guest's Account, as the bill-pay page lists it.</summary>
public sealed record GuestPayment(string Id, string? Date, decimal Amount, string Currency);

/// <summary>What a guest bill-pay session shows of its one Account: the balance (as <c>$balance</c> computes it) and the payments.</summary>
public sealed record GuestAccountView(string AccountId, string? GuarantorId, AccountBalance Balance, IReadOnlyList<GuestPayment> Payments);

/// <summary>
/// Bill pay without a portal account (issue 22): a guarantor ID (<see cref="BillingDefinitions.GuarantorIdSystem"/>)
/// or a statement number (the Invoice id printed on the statement, or an Invoice.identifier value), together with the
/// date of birth of the Account's guarantor (Patient or RelatedPerson) or of a patient it covers (Account.subject),
/// finds one Account. The host keeps the session, the throttle and the lookup audit; here is only what the store answers.
/// </summary>
public sealed partial class GuestBilling(IResourceStore store, CallerContext callers, AccountLedger ledgers, PayOperation pay)
{
    /// <summary>The client id guest sessions act as (the access audit names it).</summary>
    public const string ClientId = "guest-bill-pay";

    /// <summary>The one active Account that <paramref name="number"/> and <paramref name="birthDate"/> identify, or null for any mismatch.</summary>
    public async Task<string?> FindAccountAsync(string number, string birthDate, CancellationToken ct)
    {
        number = number.Trim();
        birthDate = birthDate.Trim();
        if (number.Length is 0 or > 64 || birthDate.Length == 0) return null;
        var accounts = new Dictionary<string, StoredResource>(StringComparer.Ordinal);
        foreach (var account in await SearchAsync("Account", new TokenCondition("identifier", [new TokenMatch(SystemRule.Exact, BillingDefinitions.GuarantorIdSystem, number)]), ct))
            accounts[account.Key.Id] = account;
        var invoices = await SearchAsync("Invoice", new TokenCondition("identifier", [new TokenMatch(SystemRule.Any, null, number)]), ct);
        if (FhirId().IsMatch(number) && await store.ReadAsync(new ResourceKey("Invoice", number), ct) is { IsDeleted: false } byId) invoices.Add(byId);
        foreach (var invoice in invoices)
            if (((Invoice)FhirParser.ParseStored(invoice.Json.Span)).Account?.Reference?.Split('/') is ["Account", { Length: > 0 } id]
                && await store.ReadAsync(new ResourceKey("Account", id), ct) is { IsDeleted: false } account)
                accounts[id] = account;

        var matches = new List<string>();
        foreach (var (id, stored) in accounts)
        {
            var account = (Account)FhirParser.ParseStored(stored.Json.Span);
            if (account.Status is Account.AccountStatus.Active or Account.AccountStatus.Inactive && await BornOnAsync(account, birthDate, ct)) matches.Add(id);
        }
        // Two accounts behind one number and birth date cannot be told apart: no session rather than the wrong one.
        return matches.Count == 1 ? matches[0] : null;
    }

    /// <summary>The Account's balance and payments, whole: the guest proved the guarantor's statement details.</summary>
    public async Task<GuestAccountView> ViewAsync(string accountId, CancellationToken ct)
    {
        var stored = await store.ReadAsync(new ResourceKey("Account", accountId), ct);
        if (stored is not { IsDeleted: false }) throw FhirOutcomeException.NotFound($"Account/{accountId} is not known.");
        var ledger = await ledgers.LoadAsync(stored, ct);
        var payments = ledger.Payments
            .Select(p => (PaymentReconciliation)FhirParser.ParseStored(p.Json.Span))
            .Where(p => p.Status == FinancialResourceStatusCodes.Active)
            .Select(p => new GuestPayment(p.Id ?? "", p.PaymentDate, p.PaymentAmount?.Value ?? 0, p.PaymentAmount?.CurrencyElement?.JsonValue?.ToString() ?? ""))
            .OrderByDescending(p => p.Date, StringComparer.Ordinal).ToList();
        var guarantorId = ((Account)FhirParser.ParseStored(stored.Json.Span)).Identifier.FirstOrDefault(i => i.System == BillingDefinitions.GuarantorIdSystem)?.Value;
        return new GuestAccountView(accountId, guarantorId, ledger.Balance(), payments);
    }

    /// <summary>
    /// Starts a payment of one of the Account's Invoices through <see cref="PayOperation"/> (the same checks, provider
    /// session and audit as <c>$pay</c>), acting as the Invoice's patient (an Invoice without one: as the Account's guest) under client <see cref="ClientId"/>.
    /// An Invoice of another Account is 404, as if it did not exist.
    /// </summary>
    public async Task<Parameters> PayAsync(string accountId, string invoiceId, decimal? amount, string? attempt, string? address, CancellationToken ct)
    {
        var stored = FhirId().IsMatch(invoiceId) ? await store.ReadAsync(new ResourceKey("Invoice", invoiceId), ct) : null;
        var invoice = stored is { IsDeleted: false } ? (Invoice)FhirParser.ParseStored(stored.Json.Span) : null;
        if (invoice?.Account?.Reference != $"Account/{accountId}")
            throw FhirOutcomeException.NotFound($"Invoice/{invoiceId} is not a bill of this account.");
        // The guest proved this Account and the Invoice is the Account's. An Invoice naming its patient is paid as that
        // patient (access and audit as for the patient's own $pay); one billed on the Account alone has no patient to act
        // as, so the guest gets read access to Invoices only, which $pay uses for this one Invoice and nothing else.
        var patient = InvoiceSubject.PatientId(invoice);
        var guest = new Caller(patient is null ? ["system/Invoice.r"] : ["patient/Invoice.rs"], PatientId: patient, ClientId: ClientId)
        {
            UserName = $"Guest bill pay (Account/{accountId})", NetworkAddress = address,
        };
        using var _ = callers.Use(guest);
        return await pay.PayAsync(invoiceId, amount, attempt, ct);
    }

    private async Task<bool> BornOnAsync(Account account, string birthDate, CancellationToken ct)
    {
        var people = account.Guarantor.Select(g => g.Party?.Reference).Concat(account.Subject.Select(s => s.Reference))
            .Select(r => r?.Split('/') is [var type and ("Patient" or "RelatedPerson"), { Length: > 0 } id] ? (ResourceKey?)new ResourceKey(type, id) : null)
            .OfType<ResourceKey>().Distinct();
        foreach (var key in people)
            if (await store.ReadAsync(key, ct) is { IsDeleted: false } person
                && FhirParser.ParseStored(person.Json.Span) switch { Patient pt => pt.BirthDate, RelatedPerson rp => rp.BirthDate, _ => null } == birthDate)
                return true;
        return false;
    }

    private async Task<List<StoredResource>> SearchAsync(string type, SearchCondition condition, CancellationToken ct) =>
        [.. (await store.SearchAsync(new SearchQuery(type, [condition], 10, null), ct)).Entries];

    /// <summary>A FHIR id (R4 datatypes.html#id), so typed input is only read as an id when it can be one.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex FhirId();
}

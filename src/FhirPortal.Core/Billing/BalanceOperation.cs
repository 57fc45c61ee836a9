using FhirPortal.Core.Access;
using FhirPortal.Core.Audit;
using FhirPortal.Core.Serialization;
using FhirPortal.Storage;
using Hl7.Fhir.Model;

namespace FhirPortal.Core.Billing;

/// <summary>
/// <c>GET Account/{id}/$balance</c>: the Account's balance computed now from its Invoices and payments
/// (<see cref="AccountBalance"/>), for whoever may read the Account. Audited as an operation on the Account's patients.
/// </summary>
public sealed class BalanceOperation(IResourceStore store, CallerContext callers, AccessAudit audit, AccountLedger ledgers)
{
    private sealed record Result(Parameters Parameters, StoredResource Account, IReadOnlyList<string> Patients);

    public async Task<Parameters> BalanceAsync(string accountId, CancellationToken ct) =>
        (await audit.RecordAsync("operation", "Account", $"Account/{accountId}/$balance", [],
            () => ComputeAsync(accountId, ct), r => [r.Account], r => r.Patients)).Parameters;

    /// <summary>The Account, once the current caller may read it (404, 410 or 403 otherwise).</summary>
    public static async Task<StoredResource> ReadAccountAsync(IResourceStore store, CallerAccess access, string id, CancellationToken ct)
    {
        var key = new ResourceKey("Account", id);
        access.Require(key.Type, Permissions.Read);
        var account = await store.ReadAsync(key, ct) ?? throw FhirOutcomeException.NotFound($"{key} is not known.");
        await access.RequireReadAsync(account, Permissions.Read, ct);
        if (account.IsDeleted) throw FhirOutcomeException.Gone($"{key} was deleted.");
        return account;
    }

    /// <summary>The patients an Account is about: its subjects and guarantors that are Patients.</summary>
    public static IReadOnlyList<string> PatientsOf(Account account) =>
        account.Subject.Select(s => s.Reference).Concat(account.Guarantor.Select(g => g.Party?.Reference))
            .Select(r => r?.Split('/') is ["Patient", { Length: > 0 } id] ? id : null).OfType<string>()
            .Distinct(StringComparer.Ordinal).ToList();

    private async Task<Result> ComputeAsync(string accountId, CancellationToken ct)
    {
        var account = await ReadAccountAsync(store, callers.Current, accountId, ct);
        var ledger = await ledgers.LoadAsync(account, callers.Current, ct);
        var balance = ledger.Balance();
        return new Result(ToParameters(balance), account, PatientsOf((Account)FhirParser.ParseStored(account.Json.Span)));
    }

    /// <summary>The operation's out parameters (see <see cref="BillingCapabilities"/>).</summary>
    public static Parameters ToParameters(AccountBalance balance)
    {
        var currency = balance.Currency ?? "USD";
        var parameters = new Parameters();
        parameters.Add("balance", Money(balance.Balance, currency));
        if (balance.Credit > 0) parameters.Add("credit", Money(balance.Credit, currency));
        parameters.Add("amountDue", Money(balance.AmountDue, currency));
        if (balance.DueDate is { } due) parameters.Add("dueDate", new Date(due.Year, due.Month, due.Day));
        foreach (var open in balance.Open)
            parameters.Parameter.Add(new Parameters.ParameterComponent
            {
                Name = "invoice",
                Part =
                [
                    new() { Name = "reference", Value = new ResourceReference($"Invoice/{open.Id}") },
                    new() { Name = "open", Value = Money(open.Open, currency) },
                    new() { Name = "dueDate", Value = new Date(open.Due.Year, open.Due.Month, open.Due.Day) },
                ],
            });
        return parameters;
    }

    /// <summary>An amount in a currency code (ISO 4217, as the Invoice states it).</summary>
    public static Money Money(decimal value, string currency)
    {
        var money = new Money { Value = value };
        money.CurrencyElement = new Code<Money.Currencies>();
        money.CurrencyElement.JsonValue = currency;
        return money;
    }
}

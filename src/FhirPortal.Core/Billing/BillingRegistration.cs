using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Billing;

/// <summary>Registers bills and payments: the Invoice write rules, ledgers and $balance.</summary>
public static class BillingRegistration
{
    /// <summary>Adds the Invoice rules every write obeys, the ledger loader and $balance.</summary>
    public static IServiceCollection AddBillingWorkflow(this IServiceCollection services)
    {
        services.AddSingleton<IWriteRule, BillingRules>();
        services.AddSingleton<AccountLedger>();
        services.AddSingleton<BalanceOperation>();
        return services;
    }
}

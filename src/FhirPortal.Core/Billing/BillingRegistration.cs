using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Core.Billing;

/// <summary>Registers bills and payments: the Invoice write rules, ledgers, $balance, $pay and the payment recorder; the host adds the <see cref="IPaymentProvider"/>.</summary>
public static class BillingRegistration
{
    /// <summary>Adds the Invoice rules every write obeys, the ledger loader, $balance, $pay and the payment recorder.</summary>
    public static IServiceCollection AddBillingWorkflow(this IServiceCollection services)
    {
        services.AddSingleton<IWriteRule, BillingRules>();
        services.AddSingleton<IWriteRule, PaymentRules>();
        services.AddSingleton<AccountLedger>();
        services.AddSingleton<BalanceOperation>();
        services.AddSingleton<PayOperation>();
        services.AddSingleton<StatementOperation>();
        services.AddSingleton<PaymentRecorder>();
        services.AddSingleton<GuestBilling>();
        return services;
    }
}

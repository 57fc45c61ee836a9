using FhirPortal.Core.Billing;
using FhirPortal.Core.Operations;
using FhirPortal.Search;
using FhirPortal.Server.Billing;

namespace FhirPortal.Server;

/// <summary>Registers bills and payments: the Invoice write rules, $balance, $pay through Stripe (<c>FhirPortal:Billing:Stripe</c>) and their definitions.</summary>
internal static class BillingServices
{
    public static IServiceCollection AddBilling(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.Section)
            .Validate(o => o.ApiBase.IsAbsoluteUri && o.ReturnUrl.IsAbsoluteUri, "Billing:Stripe:ApiBase and ReturnUrl must be absolute URLs.")
            .Validate(o => o.WebhookToleranceSeconds > 0, "Billing:Stripe:WebhookToleranceSeconds must be positive.")
            .ValidateOnStart();
        services.AddSingleton<IPaymentProvider, StripePayments>();
        services.AddBillingWorkflow();
        services.AddSingleton<ICapabilityStatementContributor, BillingCapabilities>();
        services.AddHostedService<BillingDefinitionSeeder>();
        return services;
    }
}

/// <summary>
/// Registers the billing search parameters (Account <c>guarantor</c>, PaymentReconciliation <c>invoice</c>) that
/// balances and patient access need, then stores them and the billing OperationDefinitions when missing or changed
/// (not when <c>FhirPortal:ProfilesDirectory</c> is set empty), as scheduling does.
/// </summary>
internal sealed class BillingDefinitionSeeder(OwnDefinitions definitions, SearchParameterRegistry registry, IConfiguration configuration) : IHostedService
{
    public async System.Threading.Tasks.Task StartAsync(CancellationToken ct)
    {
        BillingDefinitions.Register(registry);
        if (configuration["FhirPortal:ProfilesDirectory"] is "") return;
        await definitions.StoreAsync([.. BillingCapabilities.Definitions(), BillingDefinitions.AccountGuarantor(), BillingDefinitions.PaymentInvoice()], ct);
    }

    public System.Threading.Tasks.Task StopAsync(CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
}

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
        services.AddFeatureDefinitions(new FeatureDefinitions("billing", BillingCapabilities.Definitions(), [BillingDefinitions.AccountGuarantor(), BillingDefinitions.PaymentInvoice()]));
        return services;
    }
}

using FhirPortal.Auth.Data;
using FhirPortal.Core.Operations;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts;

/// <summary>Registers patient accounts: activation codes, self-registration, password policy, confirmation and reset links.</summary>
public static class AccountServices
{
    public static IServiceCollection AddPortalAccounts(this IServiceCollection services)
    {
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Password.RequiredLength is >= 8 and <= 128, "FhirPortal:Auth:Accounts:Password:RequiredLength must be 8 to 128.")
            .ValidateOnStart();
        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountOptions>>((identity, accounts) =>
        {
            var a = accounts.Value;
            identity.Password.RequiredLength = a.Password.RequiredLength;
            identity.Password.RequireUppercase = a.Password.RequireUppercase;
            identity.Password.RequireLowercase = a.Password.RequireLowercase;
            identity.Password.RequireDigit = a.Password.RequireDigit;
            identity.Password.RequireNonAlphanumeric = a.Password.RequireNonAlphanumeric;
            identity.SignIn.RequireConfirmedEmail = a.RequireConfirmedEmail;
            identity.Tokens.EmailConfirmationTokenProvider = EmailConfirmationTokenProvider.ProviderName;
            identity.Tokens.ProviderMap[EmailConfirmationTokenProvider.ProviderName] = new TokenProviderDescriptor(typeof(EmailConfirmationTokenProvider));
        });
        // The default provider makes password reset tokens (and nothing else of ours): short lived.
        services.AddOptions<DataProtectionTokenProviderOptions>().Configure<IOptions<AccountOptions>>((o, a) => o.TokenLifespan = a.Value.PasswordResetLifetime);
        services.AddOptions<EmailConfirmationTokenProviderOptions>().Configure<IOptions<AccountOptions>>((o, a) =>
        {
            o.Name = "EmailConfirmationDataProtectorTokenProvider";
            o.TokenLifespan = a.Value.EmailConfirmationLifetime;
        });
        services.AddTransient<EmailConfirmationTokenProvider>();
        // Identity's own validator (length, character classes) is listed here too: whichever of this and AddIdentityCore
        // runs first, both validators end up registered once.
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IPasswordValidator<PortalUser>, PasswordValidator<PortalUser>>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IPasswordValidator<PortalUser>, CommonPasswordValidator>());
        services.AddScoped<IPasswordHasher<ActivationCode>, PasswordHasher<ActivationCode>>();
        services.AddScoped<ActivationCodes>();
        services.AddScoped<ActivationCodeIssuer>();
        services.AddScoped<MemberCoverage>();
        services.AddScoped<AttemptThrottle>();
        services.AddScoped<PatientRegistration>();
        services.AddScoped<PatientAccounts>();
        services.AddScoped<AccountMail>();
        services.AddSingleton<RegistrationTickets>();
        // The dispatcher applies each patient's per-kind choices and verified numbers from the accounts.
        services.AddSingleton<FhirPortal.Core.Notifications.INoticePreferences, Notices.AccountNoticePreferences>();
        // Deliveries stop once the subscription's creator loses the account or revokes the app (checked per delivery).
        services.AddSingleton<FhirPortal.Core.Subscriptions.ISubscriptionGrants, AccountSubscriptionGrants>();
        services.AddFeatureDefinitions(new FeatureDefinitions("accounts", [ActivationCodeCapability.Definition()]));
        return services;
    }
}

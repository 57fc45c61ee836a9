using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>Wires sign-in: the two-factor policy, the mailed- and texted-code providers, clocked lockout and the account pages' services.</summary>
public static class SignInRegistration
{
    /// <summary>Call after Identity is added (it replaces Identity's user and sign-in managers).</summary>
    public static IServiceCollection AddFhirPortalSignIn(this IServiceCollection services)
    {
        services.AddOptions<SignInOptions>().BindConfiguration(SignInOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Lockout.MaxFailedAttempts >= 1 && o.Lockout.Duration > TimeSpan.Zero, "Lockout needs at least one attempt and a duration.")
            .ValidateOnStart();
        // Note: registered after AddIdentityCore's TryAdd, so these win for every consumer of UserManager/SignInManager.
        services.AddScoped<UserManager<PortalUser>, ClockedUserManager>();
        services.AddScoped<SignInManager<PortalUser>, PortalSignInManager>();
        services.AddScoped(sp => (PortalSignInManager)sp.GetRequiredService<SignInManager<PortalUser>>());
        // Scoped: the page reads the provider's verdict (wrong, expired, void) after Identity asked it.
        services.AddScoped<AccountTokens>();
        services.AddScoped<EmailCodeProvider>();
        services.AddScoped<TextCodeProvider>();
        services.AddScoped<AccountTexts>();
        services.AddScoped<SignInFlow>();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<AccountEvents>();
        services.AddScoped<RecentSignIns>();
        services.AddScoped<Audit.AccessLog>();

        services.AddOptions<IdentityOptions>().Configure<IOptions<SignInOptions>>((o, signIn) =>
        {
            o.Tokens.ProviderMap[EmailCodeProvider.Name] = new TokenProviderDescriptor(typeof(EmailCodeProvider));
            o.Tokens.ProviderMap[TextCodeProvider.Name] = new TokenProviderDescriptor(typeof(TextCodeProvider));
            // Number verification uses texted codes with their limits; Identity's own phone provider (a TOTP with no
            // attempt limit) is dropped so no code of it is ever accepted.
            o.Tokens.ChangePhoneNumberTokenProvider = TextCodeProvider.Name;
            o.Tokens.ProviderMap.Remove(TokenOptions.DefaultPhoneProvider);
            o.Lockout.AllowedForNewUsers = true;
            o.Lockout.MaxFailedAccessAttempts = signIn.Value.Lockout.MaxFailedAttempts;
            o.Lockout.DefaultLockoutTimeSpan = signIn.Value.Lockout.Duration;
        });
        // The password-checked, code-pending state outlives the mailed code, so an expired code is reported as such.
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme).Configure<IOptions<SignInOptions>>((o, signIn) =>
        {
            o.ExpireTimeSpan = signIn.Value.TwoFactorStepLifetime;
            o.Cookie.Name = "FhirPortal.TwoFactor";
        });
        return services;
    }
}

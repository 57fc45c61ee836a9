using FhirPortal.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Security;

/// <summary>
/// Registers how FHIR requests are authenticated and where browsers may call from: the <c>FhirBearer</c> policy
/// scheme (forwarding to the token validation handler named in <see cref="SecurityOptions.ValidationScheme"/>,
/// OpenIddict's by default) and the CORS policy.
/// </summary>
public static class FhirAuthentication
{
    /// <summary>The scheme the FHIR API authenticates with; other parts of the host keep their own defaults.</summary>
    public const string Scheme = "FhirBearer";

    /// <summary>OpenIddict's validation handler (<c>OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme</c>).</summary>
    public const string OpenIddictValidationScheme = "OpenIddict.Validation.AspNetCore";

    public static IServiceCollection AddFhirSecurity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>()
            .BindConfiguration(SecurityOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Cors.Origins.All(FhirCors.IsOrigin), "Security:Cors:Origins must be origins like https://app.example.org (no path).")
            .ValidateOnStart();

        // Note: a policy scheme keeps the FHIR API independent of the token format: tests point it at their own
        // handler, and the authorization server registers OpenIddict's validation under the default name.
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, "FHIR API bearer token", _ => { })
            .AddScheme<AuthenticationSchemeOptions, NoTokenValidationHandler>(NoTokenValidationHandler.SchemeName, _ => { });
        services.AddHttpContextAccessor();
        services.AddSingleton<IAuthenticationSchemeProvider, FhirApiRequestHandlers>();
        services.AddOptions<OpenIddict.Server.OpenIddictServerOptions>()
            .Validate(FhirApiRequestHandlers.EndpointsOutsideFhir, "An OpenIddict server endpoint lies under /fhir, where FhirApiRequestHandlers never offers requests to it.")
            .ValidateOnStart();
        services.AddOptions<PolicySchemeOptions>(Scheme)
            .Configure<IOptions<SecurityOptions>>((o, security) => o.ForwardDefaultSelector = context =>
            {
                // Scheme lookups are in-memory; a host without the validation handler refuses every token.
                var schemes = context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
                return schemes.GetSchemeAsync(security.Value.ValidationScheme).GetAwaiter().GetResult() is null
                    ? NoTokenValidationHandler.SchemeName
                    : security.Value.ValidationScheme;
            });

        services.AddSingleton<IAllowedOrigins, ConfiguredOrigins>();
        services.AddSingleton<IAllowedOrigins, RegisteredClientOrigins>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IServiceProvider>((o, sp) => o.AddPolicy(FhirCors.Policy, FhirCors.Build(sp)));
        return services;
    }

    /// <summary>Registers the access policy every interaction asks (part of the core wiring).</summary>
    public static IServiceCollection AddAccessPolicy(this IServiceCollection services) =>
        services.AddSingleton<AccessPolicy>().AddSingleton<CallerContext>();
}

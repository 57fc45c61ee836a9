using FhirPortal.Auth.Accounts;
using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Billing;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Handlers;
using FhirPortal.Auth.Keys;
using FhirPortal.Auth.Scopes;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirPortal.Auth;

/// <summary>Wires the SMART authorization server: auth.db, Identity accounts, OpenIddict server and validation, pages.</summary>
public static class AuthServiceRegistration
{
    public const string AuthorizeUri = "connect/authorize", TokenUri = "connect/token", IntrospectUri = "connect/introspect",
        RevokeUri = "connect/revoke", JwksUri = ".well-known/jwks", OpenIdConfigurationUri = ".well-known/openid-configuration";

    public static IServiceCollection AddFhirPortalAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Database.Problem() is null, "FhirPortal:Auth:Database: Provider must be Sqlite or PostgreSql, and PostgreSql needs a ConnectionString.")
            .ValidateOnStart();
        services.AddOptions<Branding.BrandingOptions>().BindConfiguration(Branding.BrandingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddDbContext<AuthDbContext>((sp, o) =>
        {
            var database = sp.GetRequiredService<IOptions<AuthOptions>>().Value.Database;
            if (database.Provider == AuthDatabaseOptions.PostgreSql)
                o.UseNpgsql(database.ConnectionString, n => n.MigrationsAssembly(AuthDatabaseOptions.PostgreSqlMigrationsAssembly));
            else
                o.UseSqlite($"Data Source={Path.Combine(DataDirectory(sp), "auth.db")}");
            o.UseOpenIddict();
        });

        // Note: AddIdentityCore + explicit cookies rather than AddIdentity, so the Identity cookie never becomes the
        // default scheme: /fhir requests are authenticated by bearer tokens only ("FhirBearer", owned by Server).
        services.AddIdentityCore<PortalUser>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AuthDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        services.AddAuthentication().AddIdentityCookies();
        services.AddFhirPortalSignIn();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/auth/login";
            o.AccessDeniedPath = "/auth/login";
            o.Cookie.Name = "FhirPortal.Auth";
            o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            // APIs answer 401/403; only pages redirect to the sign-in page.
            o.Events.OnRedirectToLogin = c => Redirect(c, 401);
            o.Events.OnRedirectToAccessDenied = c => Redirect(c, 403);
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthEndpoints.UserPolicy, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireAuthenticatedUser())
            .AddPolicy(AuthEndpoints.AdminPolicy, p => p.AddAuthenticationSchemes(IdentityConstants.ApplicationScheme).RequireRole(PortalRoles.Admin));
        services.AddRazorPages();
        services.AddAntiforgery(o =>
        {
            // The server sends X-Frame-Options: DENY on every response (SecurityHeaders), not SAMEORIGIN on some.
            o.SuppressXFrameOptionsHeader = true;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddHttpClient(ClientProperties.JwksHttpClient, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<ClientJwksCache>();
        services.AddScoped<ClientRegistrar>();
        services.AddHttpContextAccessor();
        services.AddScoped<Audit.AuditTrail>();
        services.AddPortalAccounts();
        services.AddGuestBillPay();
        services.AddOptions<Mail.MailOptions>().BindConfiguration(Mail.MailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Mail.IPortalMail, Mail.PortalMail>();
        services.AddSingleton<Endpoints.PatientDirectory>();
        services.AddSingleton<Organizations.OrganizationDirectory>();
        services.AddScoped<Organizations.OrganizationAccounts>();
        services.AddHostedService<AuthDatabaseInitializer>();
        services.AddSingleton<FhirPortal.Core.Operations.ICapabilityStatementContributor, SmartCapabilityContributor>();

        services.AddOpenIddict()
            .AddCore(o =>
            {
                o.UseEntityFrameworkCore().UseDbContext<AuthDbContext>();
                o.ReplaceApplicationManager(typeof(JwksUriApplicationManager<>));
            })
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris(AuthorizeUri).SetTokenEndpointUris(TokenUri)
                    .SetIntrospectionEndpointUris(IntrospectUri).SetRevocationEndpointUris(RevokeUri)
                    .SetJsonWebKeySetEndpointUris(JwksUri).SetConfigurationEndpointUris(OpenIdConfigurationUri);
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange().AllowRefreshTokenFlow().AllowClientCredentialsFlow();
                // Note: public SMART apps refresh without client_id (client-js); InferRefreshTokenClient restores it.
                o.AcceptAnonymousClients();
                // Reference refresh tokens: opaque, URL-safe, revocable, and they name their client (InferRefreshTokenClient).
                o.UseReferenceRefreshTokens();
                // Note: SMART scopes are open-ended (granular ?query=), so OpenIddict's registry check is off and
                // SmartScopes decides, per client, what is granted; anything else is dropped, not fatal.
                o.DisableScopeValidation().IgnoreScopePermissions();
                o.RegisterScopes(SmartScopes.Fixed);
                o.RegisterClaims(SmartClaims.FhirUser, SmartClaims.Patient, SmartClaims.Encounter);
                // Resource servers read access tokens directly: signed JWT, not encrypted.
                o.DisableAccessTokenEncryption();
                o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableTokenEndpointPassthrough().EnableErrorPassthrough();
                SmartServerHandlers.Register(o);
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
                // Revoked tokens and revoked app authorizations stop working at once, not at expiry.
                o.EnableTokenEntryValidation();
                o.EnableAuthorizationEntryValidation();
            });

        services.AddOptions<OpenIddictServerOptions>().Configure<IServiceProvider, IOptions<AuthOptions>>((o, sp, auth) =>
        {
            var a = auth.Value;
            // Note: one normal form (trailing slash, as OpenIddict derives it from a request) with or without a configured
            // slash, so discovery, SMART discovery and token iss agree (FhirBase.IssuerIdentifier).
            if (!string.IsNullOrEmpty(a.Issuer)) o.Issuer = new Uri(a.Issuer.TrimEnd('/') + "/");
            o.AccessTokenLifetime = a.AccessTokenLifetime;
            o.RefreshTokenLifetime = a.RefreshTokenLifetime;
            // Note: S256 only; OpenIddict also accepts "plain" unless it is removed here.
            o.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
            var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
            var keys = sp.GetRequiredService<KeyRing>();
            keys.ImportFiles(Path.Combine(DataDirectory(sp), "keys"), now);
            foreach (var key in keys.Load(KeyRing.Signing, a.KeyRotationPeriod, now))
                o.SigningCredentials.Add(new SigningCredentials(new X509SecurityKey(key), SecurityAlgorithms.RsaSha256));
            foreach (var key in keys.Load(KeyRing.Encryption, a.KeyRotationPeriod, now))
                o.EncryptionCredentials.Add(new EncryptingCredentials(new X509SecurityKey(key), SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        });
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>, KeyRotationSchedule>();
        services.AddSingleton<AuthDatabaseMigration>();
        services.AddSingleton<KeyRing>();
        // Note: one key ring for every instance and process (fixed application name, keys in the account database), so
        // cookies, antiforgery tokens, reset and confirmation links, tickets and protected secrets made on one instance
        // are read on any other. The repository migrates the database first: the key ring is read as the host starts.
        services.AddDataProtection().SetApplicationName("FhirPortal");
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider, AuthDatabaseMigration, ILoggerFactory>((o, sp, migration, logs) =>
            o.XmlRepository = new MigratedXmlRepository(new EntityFrameworkCoreXmlRepository<AuthDbContext>(sp, logs), migration));
        // With a fixed FHIR base, the resource server accepts only tokens whose audience is that base.
        services.AddOptions<OpenIddict.Validation.OpenIddictValidationOptions>().Configure<IConfiguration>((o, configuration) =>
        {
            if (configuration["FhirPortal:PublicBaseUrl"] is { Length: > 0 } fhirBase) o.Audiences.Add(fhirBase.TrimEnd('/'));
        });
        services.AddOptions<OpenIddictServerAspNetCoreOptions>().Configure<IOptions<AuthOptions>>((o, auth) =>
            o.DisableTransportSecurityRequirement = auth.Value.AllowHttp);
        return services;
    }

    private static Task Redirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int apiStatus)
    {
        if (context.Request.Path.StartsWithSegments("/auth/launch") || context.Request.Path.StartsWithSegments("/auth/admin"))
            context.Response.StatusCode = apiStatus;
        else
            context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static string DataDirectory(IServiceProvider sp)
    {
        var directory = Path.GetFullPath(sp.GetRequiredService<IConfiguration>()["FhirPortal:DataDirectory"] ?? "./data");
        Directory.CreateDirectory(directory);
        return directory;
    }
}

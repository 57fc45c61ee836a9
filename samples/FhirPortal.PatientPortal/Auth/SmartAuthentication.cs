using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace FhirPortal.PatientPortal.Auth;

/// <summary>
/// Sign-in as a SMART App Launch 2.x standalone patient launch with ASP.NET Core's OpenID Connect handler: authorization
/// code with PKCE, <c>aud</c> = the FHIR base, the patient from the token response; tokens kept in the server-side session.
/// </summary>
public static class SmartAuthentication
{
    /// <summary>What the portal asks for: the patient context, identity, a refresh token, reading the record,
    /// creating/updating Appointments for $book (the server writes the Slot itself), sending messages with attachments,
    /// refill requests (Tasks, by $request-refill) and form responses (drafts are updated).</summary>
    public static readonly string[] Scopes =
    [
        "openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs", "patient/Appointment.cu",
        "patient/Communication.c", "patient/Binary.c", "patient/Task.c", "patient/QuestionnaireResponse.cu",
    ];

    /// <summary>The claim holding the token response's <c>patient</c> (the launch context).</summary>
    public const string PatientClaim = "patient";

    public static IServiceCollection AddSmartAuthentication(this IServiceCollection services)
    {
        services.AddDistributedMemoryCache();
        services.AddSingleton<ITicketStore, SessionTicketStore>();
        services.AddHttpClient<TokenEndpointClient>();
        services.AddScoped<TokenRefresher>();
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = "portal.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = context => context.HttpContext.RequestServices.GetRequiredService<TokenRefresher>().ValidateAsync(context);
            })
            .AddOpenIdConnect();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<ITicketStore, IOptions<PortalOptions>>((o, store, portal) =>
            {
                o.SessionStore = store;
                o.ExpireTimeSpan = portal.Value.SessionIdleTimeout;
            });
        services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IOptions<PortalOptions>>((o, portal) => Configure(o, portal.Value));
        return services;
    }

    private static void Configure(OpenIdConnectOptions o, PortalOptions portal)
    {
        o.Authority = portal.EffectiveAuthority;
        o.RequireHttpsMetadata = !portal.AllowHttp;
        o.ClientId = portal.ClientId;
        o.ClientSecret = portal.ClientSecret;
        o.ResponseType = OpenIdConnectResponseType.Code;
        // Note: SMART returns the code in the query of a top-level redirect; with SameSite=Lax correlation cookies
        // this also works on plain-HTTP development hosts (form_post would need SameSite=None + Secure).
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.UsePkce = true;
        o.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Disable;
        o.SaveTokens = true;
        o.MapInboundClaims = false;
        o.GetClaimsFromUserInfoEndpoint = false;
        o.DisableTelemetry = true;
        o.TokenValidationParameters.NameClaimType = "fhirUser";
        o.CorrelationCookie.SameSite = o.NonceCookie.SameSite = SameSiteMode.Lax;
        o.CorrelationCookie.SecurePolicy = o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        o.Scope.Clear();
        foreach (var scope in Scopes) o.Scope.Add(scope);

        o.Events.OnRedirectToIdentityProvider = context =>
        {
            // SMART: aud names the FHIR server the token is for.
            context.ProtocolMessage.SetParameter("aud", portal.FhirBaseUrl);
            return Task.CompletedTask;
        };
        o.Events.OnAuthorizationCodeReceived = async context =>
        {
            var request = context.TokenEndpointRequest!;
            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = request.Code, ["redirect_uri"] = request.RedirectUri,
                ["code_verifier"] = request.GetParameter("code_verifier"),
            };
            var tokens = context.HttpContext.RequestServices.GetRequiredService<TokenEndpointClient>();
            try
            {
                var ct = context.HttpContext.RequestAborted;
                var configuration = await context.Options.ConfigurationManager!.GetConfigurationAsync(ct);
                context.HandleCodeRedemption(await tokens.RequestAsync(configuration.TokenEndpoint, form, ct));
            }
            catch (TokenEndpointException e)
            {
                context.Fail(e);
            }
        };
        o.Events.OnTokenValidated = context =>
        {
            var patient = context.TokenEndpointResponse?.GetParameter("patient");
            if (string.IsNullOrEmpty(patient))
            {
                context.Fail("The sign-in gave no patient context: this portal is for patients.");
                return Task.CompletedTask;
            }
            var identity = (ClaimsIdentity)context.Principal!.Identity!;
            identity.AddClaim(new Claim(PatientClaim, patient));
            identity.AddClaim(new Claim(SessionTicketStore.SessionClaim, Guid.NewGuid().ToString("N")));
            return Task.CompletedTask;
        };
        o.Events.OnRemoteFailure = context =>
        {
            // A declined consent (access_denied), a non-patient account or a failed exchange: say so on a page of
            // our own instead of an exception page.
            var message = context.Failure?.Message ?? "";
            var reason = message.Contains("access_denied", StringComparison.Ordinal) ? "declined"
                : message.Contains("no patient context", StringComparison.Ordinal) ? "not-patient" : "failed";
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SmartAuthentication))
                .LogWarning(context.Failure, "Sign-in failed ({Reason}): {Message}", reason, message);
            context.Response.Redirect("/SignInProblem?reason=" + reason);
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }
}

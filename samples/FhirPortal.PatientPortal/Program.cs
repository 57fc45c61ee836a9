using FhirPortal.PatientPortal.Auth;
using FhirPortal.PatientPortal.Branding;
using FhirPortal.PatientPortal.Fhir;

namespace FhirPortal.PatientPortal;

/// <summary>The portal's host: options, SMART sign-in, the FHIR client, Razor Pages.</summary>
public sealed class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddHttpClient(PatientRecord.HttpClientName);
        builder.Services.AddScoped<PatientRecord>();
        builder.Services.AddScoped<Scheduling>();
        builder.Services.AddScoped<Messaging>();
        builder.Services.AddScoped<Refills>();
        builder.Services.AddScoped<Forms>();
        builder.Services.AddScoped<Billing>();
        builder.Services.AddScoped<ShareLinks>();
        builder.Services.AddSmartAuthentication();
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery(o => o.Cookie.Name = "portal.antiforgery");
        builder.Services.AddScoped<RevokedAccessFilter>();
        builder.Services.AddRazorPages(o =>
        {
            // Every page needs a signed-in patient except the ones that explain a sign-in problem or a sign-out.
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToPage("/SignInProblem");
            o.Conventions.AllowAnonymousToPage("/SignedOut");
            o.Conventions.AllowAnonymousToPage("/Error");
        }).AddMvcOptions(o => o.Filters.AddService<RevokedAccessFilter>());

        var app = builder.Build();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error");
            app.UseHsts();
        }
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapBrandingStyles();
        app.MapRazorPages();
        app.Run();
    }
}

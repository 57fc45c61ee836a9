using FhirPortal.Auth.Accounts.SignIn;
using FhirPortal.Auth.Branding;
using FhirPortal.Auth.Endpoints;
using FhirPortal.Auth.Organizations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FhirPortal.Auth;

/// <summary>The authorization server's routes: SMART discovery, the token endpoint, launch and client APIs, and the pages.</summary>
public static class AuthEndpoints
{
    public const string UserPolicy = "PortalUser", AdminPolicy = "PortalAdmin";

    /// <summary>The pages' style sheet (embedded), read once.</summary>
    private static readonly Lazy<string> PortalStyleSheet = new(() =>
    {
        using var stream = typeof(AuthEndpoints).Assembly.GetManifestResourceStream("FhirPortal.Auth.portal.css")
            ?? throw new InvalidOperationException("The embedded portal.css is missing.");
        return new StreamReader(stream).ReadToEnd();
    });

    public static IEndpointRouteBuilder MapFhirPortalAuth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/fhir/.well-known/smart-configuration", SmartConfiguration.Get).WithTags("SMART").WithSummary("SMART discovery");
        app.MapGet("/auth/smart-style.json", SmartConfiguration.Style).WithTags("SMART").ExcludeFromDescription();
        app.MapGet("/auth/portal.css", () => Results.Text(PortalStyleSheet.Value, "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapBranding();
        app.MapPost("/" + AuthServiceRegistration.TokenUri, TokenEndpoint.Exchange).ExcludeFromDescription();
        app.MapPost("/auth/launch", LaunchApi.Create).RequireAuthorization(UserPolicy).WithTags("SMART").WithSummary("create an EHR launch context");
        app.MapPost("/auth/admin/clients", ClientAdminApi.Register).RequireAuthorization(AdminPolicy).WithTags("SMART").WithSummary("register or update a client");
        app.MapGet("/auth/admin/clients", ClientAdminApi.List).RequireAuthorization(AdminPolicy).WithTags("SMART").WithSummary("list clients");
        app.MapOrganizationAdminApi();
        app.MapSignInAdminApi();
        app.MapRazorPages();
        return app;
    }
}

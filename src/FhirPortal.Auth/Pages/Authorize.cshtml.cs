using Microsoft.AspNetCore;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Endpoints;
using FhirPortal.Auth.Scopes;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Pages;

/// <summary>
/// The authorization endpoint after OpenIddict validated the request (client, redirect_uri, PKCE S256, aud): signs the
/// user in, resolves the launch context (EHR launch value, the patient's own record, or the patient picker), asks for
/// consent and issues the code with exactly the scopes the user left checked.
/// </summary>
[IgnoreAntiforgeryToken] // apps POST authorization requests without a token; consent posts are checked by hand
public sealed class AuthorizeModel(UserManager<PortalUser> users, IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations, AuthDbContext db, IAntiforgery antiforgery, PatientDirectory patients, TimeProvider time) : PageModel
{
    private static readonly HashSet<string> OwnFields = ["decision", "scope_choice", "patient_choice", "patient_search", "encounter_choice", "__RequestVerificationToken"];

    public string Mode { get; private set; } = "consent";
    public string? ErrorText { get; private set; }
    public string AppName { get; private set; } = "";
    public string? PatientLabel { get; private set; }
    public string? PatientSearch { get; private set; }
    public List<(string Scope, string Words)> Choices { get; } = [];
    public List<(string Id, string Label)> Patients { get; private set; } = [];
    public List<(string Id, string Label)> Encounters { get; private set; } = [];
    public List<(string Name, string Value)> Hidden { get; } = [];

    public Task<IActionResult> OnGetAsync() => HandleAsync();
    public Task<IActionResult> OnPostAsync() => HandleAsync();

    private async Task<IActionResult> HandleAsync()
    {
        // OpenIddict lets local errors through (EnableErrorPassthrough) when it cannot trust the redirect_uri.
        var request = HttpContext.GetOpenIddictServerRequest();
        if (HttpContext.GetOpenIddictServerResponse() is { Error: { } error } failed)
            return await ErrorResponseAsync(request, error, failed.ErrorDescription);
        if (request is null) return ErrorPage("This is not an authorization request.");

        var user = (await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme)) is { Succeeded: true } auth
            ? await users.GetUserAsync(auth.Principal!) : null;
        if (user is null)
        {
            if (request.HasPromptValue(PromptValues.None)) return Reject(Errors.LoginRequired, "The user is not signed in.");
            return Redirect("/auth/login?ReturnUrl=" + Uri.EscapeDataString(GetUrl(request)));
        }

        var decision = Request.HasFormContentType ? Request.Form["decision"].ToString() : "";
        if (decision.Length > 0)
        {
            try { await antiforgery.ValidateRequestAsync(HttpContext); }
            catch (AntiforgeryValidationException) { return ErrorPage("The form expired; go back to the app and start again."); }
        }
        if (decision == "deny") return Reject(Errors.AccessDenied, "The user did not allow access.");

        var application = await applications.FindByClientIdAsync(request.ClientId!);
        if (application is null) return ErrorPage("Unknown app.");
        AppName = await applications.GetLocalizedDisplayNameAsync(application) ?? request.ClientId!;
        var allowed = await ClientRegistrar.AllowedScopesAsync(applications, application, HttpContext.RequestAborted);
        // Unknown, malformed or not-registered scopes are dropped here; system/ scopes are for backend services only.
        var requested = SmartScopes.Grantable(request.GetScopes(), allowed).Where(s => SmartScopes.Context(s) != "system").ToList();

        LaunchContext? launch = null;
        if ((string?)request["launch"] is { Length: > 0 } launchValue)
        {
            launch = await LaunchApi.PeekAsync(db, launchValue, time, HttpContext.RequestAborted);
            if (launch is null) return Reject(Errors.InvalidRequest, "The launch value is unknown, already used or expired.");
        }

        var context = await ResolvePatientAsync(user, launch, requested, decision);
        foreach (var (name, value) in request.GetParameters())
            if (!OwnFields.Contains(name) && (string?)value is { } text) Hidden.Add((name, text));
        if (context.Patient is null && context.NeedsPicker) return Page();
        if (context.Patient is not null) PatientLabel = await patients.LabelAsync(context.Patient, HttpContext.RequestAborted) ?? context.Patient;
        if (context.Patient is not null && user.IsPractitioner && launch is null) Hidden.Add(("patient_choice", context.Patient));
        string? encounter = null;
        if (launch is null && context.Patient is not null && requested.Contains("launch/encounter"))
        {
            var chosen = await ResolveEncounterAsync(context.Patient, decision);
            if (chosen is null) return Page();
            Hidden.Add(("encounter_choice", chosen));
            encounter = chosen == NoEncounter ? null : chosen;
        }

        if (decision != "approve")
        {
            Choices.AddRange(requested.Select(s => (s, ScopeWording.Describe(s))));
            return Page();
        }

        var checkedScopes = Request.Form["scope_choice"].Select(s => s ?? "").ToHashSet(StringComparer.Ordinal);
        var granted = requested.Where(checkedScopes.Contains).ToList();
        if (launch is not null && await LaunchApi.ConsumeAsync(db, launch.Id, time, HttpContext.RequestAborted) is null)
            return Reject(Errors.InvalidRequest, "The launch value was already used.");
        var principal = await Grants.CreatePrincipalAsync(HttpContext, user, application, granted, launch, context.Patient, encounter, authorizations, applications);
        return SignIn(principal, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private async Task<(string? Patient, bool NeedsPicker)> ResolvePatientAsync(PortalUser user, LaunchContext? launch, List<string> requested, string decision)
    {
        if (launch?.Patient is not null) return (launch.Patient, false);
        if (user.IsPatient) return (user.PatientId, false);
        if (!requested.Contains("launch/patient")) return (null, false);
        var picked = Request.HasFormContentType ? Request.Form["patient_choice"].ToString() : "";
        if (decision is "pick" or "pick-encounter" or "approve" && picked.Length > 0 && await patients.IsPickableAsync(HttpContext, picked, HttpContext.RequestAborted))
            return (picked, false);
        Mode = "picker";
        PatientSearch = Request.HasFormContentType ? Request.Form["patient_search"].ToString() : null;
        Patients = await patients.SearchAsync(HttpContext, PatientSearch, HttpContext.RequestAborted);
        return (null, true);
    }

    /// <summary>The picker's "continue without an encounter" value (a patient may have none, or none that fits).</summary>
    private const string NoEncounter = "none";

    /// <summary>
    /// Standalone <c>launch/encounter</c>: the user picks one of the context patient's encounters (or none). Returns the
    /// choice, or null after setting up the encounter picker page.
    /// </summary>
    private async Task<string?> ResolveEncounterAsync(string patient, string decision)
    {
        var picked = Request.HasFormContentType ? Request.Form["encounter_choice"].ToString() : "";
        if (decision is "pick-encounter" or "approve" && picked.Length > 0
            && (picked == NoEncounter || await patients.IsEncounterOfAsync(picked, patient, HttpContext.RequestAborted)))
            return picked;
        Mode = "encounter-picker";
        PatientLabel = await patients.LabelAsync(patient, HttpContext.RequestAborted) ?? patient;
        Encounters = await patients.EncountersAsync(HttpContext, patient, HttpContext.RequestAborted);
        return null;
    }

    /// <summary>
    /// OpenIddict leaves every failed validation to this page. RFC 6749 §4.1.2.1: once the client and its redirect_uri
    /// are known to be right, the error goes back to the app (with state); otherwise the user sees it here.
    /// </summary>
    private async Task<IActionResult> ErrorResponseAsync(OpenIddictRequest? request, string error, string? description)
    {
        if (request is { ClientId: { Length: > 0 } clientId, RedirectUri: { Length: > 0 } redirectUri }
            && await applications.FindByClientIdAsync(clientId) is { } application
            && await applications.ValidateRedirectUriAsync(application, redirectUri))
        {
            var query = new Dictionary<string, string?> { ["error"] = error, ["error_description"] = description, ["state"] = request.State };
            return Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(redirectUri, query.Where(p => p.Value is not null)));
        }
        return ErrorPage($"{description ?? error} ({error})");
    }

    private IActionResult ErrorPage(string text)
    {
        Mode = "error";
        ErrorText = text;
        Response.StatusCode = 400;
        return Page();
    }

    private ForbidResult Reject(string error, string description) => Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    /// <summary>The request as a GET URL to come back to after sign-in (a POSTed request included).</summary>
    private string GetUrl(OpenIddictRequest request)
    {
        var query = request.GetParameters()
            .Where(p => !OwnFields.Contains(p.Key) && (string?)p.Value is not null)
            .Select(p => KeyValuePair.Create(p.Key, (string?)p.Value));
        return Request.PathBase + Request.Path + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }
}

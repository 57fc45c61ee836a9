using FhirPortal.Auth.Data;
using FhirPortal.Auth.Scopes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Pages;

/// <summary>"My authorized apps": every app the user allowed, with what it may do, and a revoke button.</summary>
[Authorize(Policy = AuthEndpoints.UserPolicy)]
public sealed class AppsModel(UserManager<PortalUser> users, IOpenIddictAuthorizationManager authorizations,
    IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens) : PageModel
{
    public sealed record AuthorizedApp(string Id, string Name, DateTimeOffset Created, List<string> Permissions);

    public string UserName { get; private set; } = "";
    public string? Message { get; private set; }
    public List<AuthorizedApp> Apps { get; } = [];

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostRevokeAsync(string authorizationId)
    {
        var user = await users.GetUserAsync(User);
        var authorization = await authorizations.FindByIdAsync(authorizationId);
        // Note: only the user's own authorizations; anything else looks the same as "not found".
        if (user is null || authorization is null || await authorizations.GetSubjectAsync(authorization) != user.Id) return NotFound();
        await authorizations.TryRevokeAsync(authorization);
        await tokens.RevokeByAuthorizationIdAsync(authorizationId);
        Message = "Access revoked. The app can no longer use your account.";
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var user = await users.GetUserAsync(User) ?? throw new InvalidOperationException("Signed-in user not found.");
        UserName = user.UserName ?? "";
        await foreach (var authorization in authorizations.FindBySubjectAsync(user.Id))
        {
            if (!await authorizations.HasStatusAsync(authorization, Statuses.Valid)) continue;
            var applicationId = await authorizations.GetApplicationIdAsync(authorization);
            var application = applicationId is null ? null : await applications.FindByIdAsync(applicationId);
            var name = application is null ? "Unknown app" : await applications.GetLocalizedDisplayNameAsync(application) ?? "Unnamed app";
            var scopes = await authorizations.GetScopesAsync(authorization);
            Apps.Add(new AuthorizedApp((await authorizations.GetIdAsync(authorization))!, name,
                await authorizations.GetCreationDateAsync(authorization) ?? DateTimeOffset.MinValue,
                scopes.Select(ScopeWording.Describe).ToList()));
        }
    }
}

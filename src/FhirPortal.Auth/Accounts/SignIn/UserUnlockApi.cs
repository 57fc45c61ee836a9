using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>POST /auth/admin/users/{id}/unlock: an admin ends a lockout early (and restarts the failure count).</summary>
public static class UserUnlockApi
{
    public static IEndpointRouteBuilder MapSignInAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/admin/users/{id}/unlock", Unlock).RequireAuthorization(AuthEndpoints.AdminPolicy)
            .WithTags("Accounts").WithSummary("unlock a locked-out account");
        return app;
    }

    public static async Task<IResult> Unlock(string id, UserManager<PortalUser> users, AccountEvents events, HttpContext http)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return Results.NotFound(new { error = "No such user." });
        var wasLocked = await users.IsLockedOutAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        await events.ChangedAsync(user, "unlocked", "Account unlocked",
            $"Account {user.UserName} unlocked by an administrator{(wasLocked ? "" : " (it was not locked)")}.", actor: http.User.Identity?.Name);
        return Results.Ok(new { id = user.Id, userName = user.UserName, lockedOut = false, wasLockedOut = wasLocked });
    }
}

using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using FhirPortal.Core.Access;
using FhirPortal.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace FhirPortal.Auth.Organizations;

/// <summary>A new organization account: the password is the initial one the administrator hands over.</summary>
public sealed record NewOrganizationUser(string UserName, string Password, string? Email = null, string? FhirUser = null, IReadOnlyList<string>? Roles = null);

/// <summary>An organization account as the admin API shows it.</summary>
public sealed record OrganizationUserView(string Id, string UserName, string? Email, string? FhirUser, string Organization,
    IReadOnlyList<string> Roles, bool Disabled, bool TwoFactorEnabled);

/// <summary>
/// The account work of delegated administration: creating super users and end users of an organization, disabling,
/// enabling, resetting two-factor and setting roles. Checks what the request says about the account (kind of
/// organization, Practitioner link, allowed roles); who may ask is decided by <see cref="OrganizationAdminApi"/>.
/// </summary>
public sealed class OrganizationAccounts(UserManager<PortalUser> users, RoleManager<IdentityRole> roles, IUserStore<PortalUser> store,
    OrganizationDirectory directory, IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens)
{
    /// <summary>The organization's kind, or the problem that stops it having accounts.</summary>
    public async Task<(OrganizationKind? Kind, string? Problem)> KindAsync(string organizationId, CancellationToken ct)
    {
        var (exists, kind) = await directory.KindAsync(organizationId, ct);
        if (!exists) return (null, $"Organization/{organizationId} does not exist.");
        return kind is null
            ? (null, $"Organization/{organizationId} must have exactly one kind of type (organization-type 'prov' for a facility, or 'bus', 'ins', 'pay' for an employer).")
            : (kind, null);
    }

    public async Task<PortalUser?> SuperUserAsync(string organization) =>
        (await users.GetUsersInRoleAsync(OrganizationRoles.SuperUser)).FirstOrDefault(u => u.OrganizationId == organization);

    /// <summary>Creates the account (with its roles); returns it, or the problems that stopped it (nothing is created then).</summary>
    public async Task<(PortalUser? User, string? Problem)> CreateAsync(string organizationId, OrganizationKind kind, NewOrganizationUser request,
        string accountRole, CancellationToken ct)
    {
        var extra = request.Roles ?? [];
        if (extra.FirstOrDefault(r => !OrganizationRoles.Assignable.Contains(r)) is { } unknown)
            return (null, $"Role '{unknown}' cannot be given; allowed: {string.Join(", ", OrganizationRoles.Assignable)}.");
        if (await FhirUserProblemAsync(kind, request.FhirUser, ct) is { } problem) return (null, problem);

        var user = new PortalUser
        {
            UserName = request.UserName, Email = request.Email, FhirUser = request.FhirUser,
            OrganizationId = "Organization/" + organizationId, LockoutEnabled = true,
            // The administrator creating a staff account vouches for its address (sign-in requires a confirmed one).
            EmailConfirmed = true,
        };
        var created = await users.CreateAsync(user, request.Password);
        if (!created.Succeeded) return (null, string.Join(" ", created.Errors.Select(e => e.Description)));
        foreach (var role in extra.Append(accountRole).Distinct())
        {
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));
            await users.AddToRoleAsync(user, role);
        }
        return (user, null);
    }

    /// <summary>
    /// Facility staff may be linked to a stored Practitioner (their <c>fhirUser</c>); employer representatives act for
    /// the employer, not as a person in the record, so they have none.
    /// </summary>
    private async Task<string?> FhirUserProblemAsync(OrganizationKind kind, string? fhirUser, CancellationToken ct)
    {
        if (fhirUser is null) return null;
        if (kind == OrganizationKind.Employer) return "Employer accounts have no fhirUser.";
        if (fhirUser.Split('/') is not ["Practitioner", { Length: > 0 } id])
            return "A facility account's fhirUser must be Practitioner/{id}.";
        return await directory.ExistsAsync(new ResourceKey("Practitioner", id), ct) ? null : $"{fhirUser} does not exist.";
    }

    public async Task<List<OrganizationUserView>> ListAsync(string organization, CancellationToken ct)
    {
        var members = await users.Users.Where(u => u.OrganizationId == organization).OrderBy(u => u.UserName).ToListAsync(ct);
        var views = new List<OrganizationUserView>();
        foreach (var member in members) views.Add(await ViewAsync(member));
        return views;
    }

    public async Task<OrganizationUserView> ViewAsync(PortalUser user) => new(
        user.Id, user.UserName!, user.Email, user.FhirUser, user.OrganizationId!,
        [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)],
        await users.IsLockedOutAsync(user), user.TwoFactorEnabled);

    /// <summary>Disabled accounts cannot sign in (Identity lockout without end); their app authorizations and tokens are revoked at once.</summary>
    public async Task DisableAsync(PortalUser user, CancellationToken ct)
    {
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
        // Note: a new security stamp ends the account's cookie sessions at their next validation.
        await users.UpdateSecurityStampAsync(user);
        await authorizations.RevokeBySubjectAsync(user.Id, ct);
        await tokens.RevokeBySubjectAsync(user.Id, ct);
    }

    public async Task EnableAsync(PortalUser user)
    {
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
    }

    /// <summary>Turns two-factor off, replaces the authenticator key and drops the recovery codes: the user enrols again.</summary>
    public async Task ResetTwoFactorAsync(PortalUser user, CancellationToken ct)
    {
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        if (store is IUserTwoFactorRecoveryCodeStore<PortalUser> codes)
        {
            await codes.ReplaceCodesAsync(user, [], ct);
            await users.UpdateAsync(user);
        }
    }

    /// <summary>Sets the assignable roles to exactly <paramref name="wanted"/>; the account role stays.</summary>
    public async Task<string?> SetRolesAsync(PortalUser user, IReadOnlyList<string> wanted)
    {
        if (wanted.FirstOrDefault(r => !OrganizationRoles.Assignable.Contains(r)) is { } unknown)
            return $"Role '{unknown}' cannot be given; allowed: {string.Join(", ", OrganizationRoles.Assignable)}.";
        var current = (await users.GetRolesAsync(user)).Where(OrganizationRoles.Assignable.Contains).ToList();
        var removed = current.Except(wanted).ToList();
        if (removed.Count > 0) await users.RemoveFromRolesAsync(user, removed);
        foreach (var role in wanted.Except(current).Distinct())
        {
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));
            await users.AddToRoleAsync(user, role);
        }
        return null;
    }
}

using FhirPortal.Auth.Audit;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Seeding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using static Hl7.Fhir.Model.AuditEvent;

namespace FhirPortal.Auth.Organizations;

/// <summary>The roles an end user should hold (<c>PUT .../roles</c>).</summary>
public sealed record RoleAssignment(IReadOnlyList<string> Roles);

/// <summary>
/// Delegated administration under <c>/auth/admin/organizations/{organizationId}</c>, authenticated by the portal's
/// sign-in cookie: an admin creates an organization's one super user; that super user lists, creates, disables,
/// enables, resets two-factor of and sets roles of the end users of its own organization, and nobody else's (403).
/// Every request, allowed or refused, is recorded as an AuditEvent naming the Organization.
/// </summary>
public static class OrganizationAdminApi
{
    public static IEndpointRouteBuilder MapOrganizationAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth/admin/organizations/{organizationId}").WithTags("Organizations");
        group.MapPost("/super-user", CreateSuperUser).RequireAuthorization(AuthEndpoints.AdminPolicy).WithSummary("create the organization's super user");
        var users = group.MapGroup("/users").RequireAuthorization(AuthEndpoints.UserPolicy);
        users.MapGet("/", List).WithSummary("list the organization's accounts (super user)");
        users.MapPost("/", CreateEndUser).WithSummary("create an end user (super user)");
        users.MapPost("/{userId}/disable", (string organizationId, string userId, [AsParameters] Context c) =>
            c.OnEndUserAsync(organizationId, userId, "org-user-disabled", "Organization user disabled", async (u, ct) => { await c.Accounts.DisableAsync(u, ct); return null; }))
            .WithSummary("disable an end user: no sign-in, tokens revoked (super user)");
        users.MapPost("/{userId}/enable", (string organizationId, string userId, [AsParameters] Context c) =>
            c.OnEndUserAsync(organizationId, userId, "org-user-enabled", "Organization user enabled", async (u, _) => { await c.Accounts.EnableAsync(u); return null; }))
            .WithSummary("enable an end user (super user)");
        users.MapPost("/{userId}/reset-two-factor", (string organizationId, string userId, [AsParameters] Context c) =>
            c.OnEndUserAsync(organizationId, userId, "org-user-two-factor-reset", "Organization user two-factor reset", async (u, ct) => { await c.Accounts.ResetTwoFactorAsync(u, ct); return null; }))
            .WithSummary("reset an end user's two-factor authentication (super user)");
        users.MapPut("/{userId}/roles", SetRoles).WithSummary("set an end user's roles (super user)");
        return app;
    }

    /// <summary>The services every handler needs, bound from DI in one parameter.</summary>
    public sealed record Context(HttpContext Http, OrganizationAccounts Accounts, UserManager<PortalUser> Users, AuditTrail Audit)
    {
        public CancellationToken Aborted => Http.RequestAborted;

        /// <summary>The signed-in super user of the organization, or the 403 (recorded) when the caller is not.</summary>
        public async Task<(PortalUser? Actor, IResult? Denied)> SuperUserAsync(string organizationId, string subtype, string display)
        {
            var actor = await Users.GetUserAsync(Http.User);
            if (actor is not null && actor.OrganizationId == "Organization/" + organizationId && !await Users.IsLockedOutAsync(actor)
                && await Users.IsInRoleAsync(actor, OrganizationRoles.SuperUser))
                return (actor, null);
            return (null, await RefuseAsync(actor, organizationId, subtype, display, $"Only the super user of Organization/{organizationId} manages its accounts."));
        }

        public async Task<IResult> RefuseAsync(PortalUser? actor, string organizationId, string subtype, string display, string detail, int status = 403)
        {
            await RecordAsync(actor, organizationId, subtype, display, AuditEventAction.U, AuditEventOutcome.N4, detail);
            return Results.Problem(statusCode: status, detail: detail);
        }

        public System.Threading.Tasks.Task RecordAsync(PortalUser? actor, string organizationId, string subtype, string display,
            AuditEventAction action, AuditEventOutcome outcome, string description) =>
            Audit.RecordAsync(new AuditRecord(AuditCodes.SecurityAttributesChanged, AuditCodes.Account(subtype, display), action, outcome,
                actor?.UserName ?? Http.User.Identity?.Name, actor?.FhirUser, description, "Organization/" + organizationId), Aborted);

        /// <summary>
        /// Runs <paramref name="change"/> on an end user of the super user's own organization (403 for anyone else's);
        /// a problem it returns is a 400 and nothing changed.
        /// </summary>
        public async Task<IResult> OnEndUserAsync(string organizationId, string userId, string subtype, string display,
            Func<PortalUser, CancellationToken, Task<string?>> change)
        {
            var (actor, denied) = await SuperUserAsync(organizationId, subtype, display);
            if (denied is not null) return denied;
            var target = await Users.FindByIdAsync(userId);
            if (target is null || target.OrganizationId != actor!.OrganizationId || !await Users.IsInRoleAsync(target, OrganizationRoles.EndUser))
                return await RefuseAsync(actor, organizationId, subtype, display,
                    $"Account {userId} is not an end user of Organization/{organizationId}.");
            if (await change(target, Aborted) is { } problem)
                return await RefuseAsync(actor, organizationId, subtype, display, $"{target.UserName}: {problem}", StatusCodes.Status400BadRequest);
            await RecordAsync(actor, organizationId, subtype, display, AuditEventAction.U, AuditEventOutcome.N0, $"{display}: {target.UserName}.");
            return Results.Ok(await Accounts.ViewAsync(target));
        }
    }

    public static async Task<IResult> CreateSuperUser(string organizationId, NewOrganizationUser request, [AsParameters] Context c)
    {
        const string subtype = "org-super-user-created", display = "Organization super user created";
        var admin = await c.Users.GetUserAsync(c.Http.User);
        var (kind, problem) = await c.Accounts.KindAsync(organizationId, c.Aborted);
        if (problem is null && await c.Accounts.SuperUserAsync("Organization/" + organizationId) is { } existing)
            return await c.RefuseAsync(admin, organizationId, subtype, display,
                $"Organization/{organizationId} already has a super user ({existing.UserName}).", StatusCodes.Status409Conflict);
        PortalUser? created = null;
        if (problem is null) (created, problem) = await c.Accounts.CreateAsync(organizationId, kind!.Value, request with { Roles = [] }, OrganizationRoles.SuperUser, c.Aborted);
        if (problem is not null)
        {
            await c.RecordAsync(admin, organizationId, subtype, display, AuditEventAction.C, AuditEventOutcome.N4, $"{request.UserName}: {problem}");
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: problem);
        }
        await c.RecordAsync(admin, organizationId, subtype, display, AuditEventAction.C, AuditEventOutcome.N0, $"{display}: {created!.UserName}.");
        return Results.Created($"/auth/admin/organizations/{organizationId}/users/{created.Id}", await c.Accounts.ViewAsync(created));
    }

    public static async Task<IResult> List(string organizationId, [AsParameters] Context c)
    {
        var (actor, denied) = await c.SuperUserAsync(organizationId, "org-users-listed", "Organization users listed");
        if (denied is not null) return denied;
        var users = await c.Accounts.ListAsync(actor!.OrganizationId!, c.Aborted);
        await c.RecordAsync(actor, organizationId, "org-users-listed", "Organization users listed", AuditEventAction.R, AuditEventOutcome.N0, $"{users.Count} accounts listed.");
        return Results.Ok(users);
    }

    public static async Task<IResult> CreateEndUser(string organizationId, NewOrganizationUser request, [AsParameters] Context c)
    {
        const string subtype = "org-user-created", display = "Organization user created";
        var (actor, denied) = await c.SuperUserAsync(organizationId, subtype, display);
        if (denied is not null) return denied;
        var (kind, problem) = await c.Accounts.KindAsync(organizationId, c.Aborted);
        PortalUser? created = null;
        if (problem is null) (created, problem) = await c.Accounts.CreateAsync(organizationId, kind!.Value, request, OrganizationRoles.EndUser, c.Aborted);
        if (problem is not null)
        {
            await c.RecordAsync(actor, organizationId, subtype, display, AuditEventAction.C, AuditEventOutcome.N4, $"{request.UserName}: {problem}");
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, detail: problem);
        }
        await c.RecordAsync(actor, organizationId, subtype, display, AuditEventAction.C, AuditEventOutcome.N0, $"{display}: {created!.UserName}.");
        return Results.Created($"/auth/admin/organizations/{organizationId}/users/{created.Id}", await c.Accounts.ViewAsync(created));
    }

    public static Task<IResult> SetRoles(string organizationId, string userId, RoleAssignment request, [AsParameters] Context c) =>
        c.OnEndUserAsync(organizationId, userId, "org-user-roles-set", "Organization user roles set",
            (user, _) => c.Accounts.SetRolesAsync(user, request.Roles ?? []));
}

using System.Security.Cryptography;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Seeding;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Endpoints;

/// <summary>
/// EHR launch: POST /auth/launch {"patient": "id", "encounter": "id"?} by a signed-in practitioner or admin returns
/// an opaque <c>launch</c> value bound to that context (single use, short lived) and, if a client is named, its launch URL
/// with <c>iss</c> and <c>launch</c> filled in.
/// </summary>
public static class LaunchApi
{
    public sealed record LaunchRequest(string? Patient, string? Encounter, string? ClientId);

    public static async Task<IResult> Create(LaunchRequest body, HttpContext http, UserManager<PortalUser> users, AuthDbContext db,
        ReadInteraction read, OpenIddict.Abstractions.IOpenIddictApplicationManager applications, IOptions<AuthOptions> options, TimeProvider time,
        CallerContext callers)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null) return Results.Unauthorized();
        if (!await users.IsInRoleAsync(user, PortalRoles.Practitioner) && !await users.IsInRoleAsync(user, PortalRoles.Admin))
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        if (string.IsNullOrEmpty(body.Patient)) return Results.BadRequest(new { error = "patient is required." });
        foreach (var (type, id) in new[] { ("Patient", body.Patient), ("Encounter", body.Encounter) })
        {
            if (id is null) continue;
            // Note: an existence check by the authorization server itself; the role check above decides who may launch.
            using var _ = callers.Use(Caller.Server);
            try { await read.ReadAsync(new ResourceKey(type, id), http.RequestAborted); }
            catch (Exception e) when (e is FhirOutcomeException or ReadInteraction.DeletedException)
            {
                return Results.BadRequest(new { error = $"{type}/{id} does not exist." });
            }
        }

        string? launchUrl = null;
        if (body.ClientId is { Length: > 0 })
        {
            var application = await applications.FindByClientIdAsync(body.ClientId);
            if (application is null) return Results.BadRequest(new { error = $"Unknown client '{body.ClientId}'." });
            var properties = await applications.GetPropertiesAsync(application);
            if (properties.TryGetValue(Handlers.ClientProperties.LaunchUrl, out var url)) launchUrl = url.GetString();
        }

        // URL-safe, unguessable, and meaningless outside this server.
        var launch = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var expires = time.GetUtcNow() + options.Value.LaunchLifetime;
        db.Launches.Add(new LaunchContext { Id = launch, Patient = body.Patient, Encounter = body.Encounter, CreatedBy = user.Id, ExpiresAt = expires.UtcDateTime });
        await db.LaunchContexts_CleanupAsync(time, http.RequestAborted);
        await db.SaveChangesAsync(http.RequestAborted);
        var iss = FhirBase.Of(http);
        return Results.Json(new
        {
            launch,
            iss,
            expires_at = expires,
            launch_url = launchUrl is null ? null : $"{launchUrl}{(launchUrl.Contains('?') ? '&' : '?')}iss={Uri.EscapeDataString(iss)}&launch={launch}",
        }, statusCode: 201);
    }

    /// <summary>Takes a launch for an authorization: null unless it exists, is unexpired and unused; marks it used.</summary>
    public static async Task<LaunchContext?> ConsumeAsync(AuthDbContext db, string launch, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // One UPDATE decides: only the first of two concurrent uses sees a row change.
        var taken = await db.Launches.Where(l => l.Id == launch && l.UsedAt == null && l.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.UsedAt, now), ct);
        return taken == 1 ? await db.Launches.AsNoTracking().SingleAsync(l => l.Id == launch, ct) : null;
    }

    /// <summary>Whether a launch can still be used (checked before the consent page; taken at approval).</summary>
    public static Task<LaunchContext?> PeekAsync(AuthDbContext db, string launch, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return db.Launches.AsNoTracking().SingleOrDefaultAsync(l => l.Id == launch && l.UsedAt == null && l.ExpiresAt > now, ct);
    }

    private static Task LaunchContexts_CleanupAsync(this AuthDbContext db, TimeProvider time, CancellationToken ct)
    {
        var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-1);
        return db.Launches.Where(l => l.ExpiresAt < cutoff).ExecuteDeleteAsync(ct);
    }
}

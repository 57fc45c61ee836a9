using FhirPortal.Auth.Data;
using FhirPortal.Core;
using FhirPortal.Core.Access;
using FhirPortal.Core.Interactions;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace FhirPortal.Auth.Seeding;

/// <summary>
/// Development only: a demo patient (linked to Patient/demo-patient), a demo practitioner (Practitioner/demo-practitioner,
/// also an admin) and a public demo app, and a log line saying how to use them.
/// </summary>
public sealed class DemoSeeder(UserManager<PortalUser> users, RoleManager<IdentityRole> roles, ClientRegistrar registrar,
    ReadInteraction read, UpdateInteraction update, CallerContext callers, ILogger<DemoSeeder> logger)
{
    public const string PatientUser = "patient@demo.local", PractitionerUser = "practitioner@demo.local", DemoPassword = "Demo-password-1";
    public const string DemoClientId = "demo-app", DemoRedirectUri = "http://localhost:8000/callback";

    public async System.Threading.Tasks.Task SeedAsync(CancellationToken ct)
    {
        // Note: valid against profiles/ portal-patient (an MRN, gender, birth date), which writes require by default.
        await EnsureResourceAsync(new Patient
        {
            Id = "demo-patient", Name = [new HumanName { Given = ["Dana"], Family = "Demo" }], Gender = AdministrativeGender.Female, BirthDate = "1980-04-02",
            Identifier = [new Identifier("http://fhirportal.org/fhir/sid/mrn", "demo-patient") { Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR") }],
        }, ct);
        await EnsureResourceAsync(new Practitioner { Id = "demo-practitioner", Name = [new HumanName { Given = ["Pat"], Family = "Practitioner", Prefix = ["Dr."] }] }, ct);
        foreach (var role in new[] { PortalRoles.Admin, PortalRoles.Practitioner })
            if (!await roles.RoleExistsAsync(role)) await roles.CreateAsync(new IdentityRole(role));
        await EnsureUserAsync(PatientUser, "Patient/demo-patient", []);
        await EnsureUserAsync(PractitionerUser, "Practitioner/demo-practitioner", [PortalRoles.Practitioner, PortalRoles.Admin]);
        await registrar.UpsertAsync(new ClientRegistration
        {
            ClientId = DemoClientId, DisplayName = "Demo SMART app", RedirectUris = [DemoRedirectUri],
            AllowedScopes = ["openid", "fhirUser", "profile", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access", "patient/*", "user/*"],
        }, ct);
        logger.LogWarning(
            "Development demo: sign in as {Patient} or {Practitioner} with password {Password} (the patient then needs the " +
            "6-digit code mailed to it: without SMTP, the newest .eml file in the data directory's mail folder). Public SMART client '{Client}' " +
            "(redirect {Redirect}); discovery at /fhir/.well-known/smart-configuration; authorize at /connect/authorize with " +
            "response_type=code, PKCE S256, aud=<FHIR base>, scope e.g. 'openid fhirUser launch/patient patient/*.rs offline_access'.",
            PatientUser, PractitionerUser, DemoPassword, DemoClientId, DemoRedirectUri);
    }

    private async System.Threading.Tasks.Task EnsureUserAsync(string name, string fhirUser, string[] userRoles)
    {
        var user = await users.FindByNameAsync(name);
        if (user is null)
        {
            user = new PortalUser { UserName = name, Email = name, EmailConfirmed = true, FhirUser = fhirUser };
            var created = await users.CreateAsync(user, DemoPassword);
            if (!created.Succeeded) throw new InvalidOperationException(string.Join("; ", created.Errors.Select(e => e.Description)));
        }
        foreach (var role in userRoles)
            if (!await users.IsInRoleAsync(user, role)) await users.AddToRoleAsync(user, role);
    }

    private async System.Threading.Tasks.Task EnsureResourceAsync(Resource resource, CancellationToken ct)
    {
        var key = new ResourceKey(resource.TypeName, resource.Id!);
        using var _ = callers.Use(Caller.Server); // the server seeds its own demo records
        try { await read.ReadAsync(key, ct); return; }
        catch (FhirOutcomeException) { }
        catch (ReadInteraction.DeletedException) { }
        await update.UpdateAsync(key, resource, null, ct);
    }
}

/// <summary>Portal roles: admins register clients; practitioners (and admins) create EHR launches.</summary>
public static class PortalRoles
{
    public const string Admin = "admin", Practitioner = "practitioner";
}

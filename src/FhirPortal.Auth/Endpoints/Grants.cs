using System.Collections.Immutable;
using System.Security.Claims;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Scopes;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Endpoints;

/// <summary>Turns an approved authorization (user, app, granted scopes, launch context) into the principal OpenIddict signs.</summary>
public static class Grants
{
    public static async Task<ClaimsPrincipal> CreatePrincipalAsync(HttpContext http, PortalUser user, object application, List<string> granted,
        LaunchContext? launch, string? patient, string? encounter, IOpenIddictAuthorizationManager authorizations, IOpenIddictApplicationManager applications)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id).SetClaim(Claims.Name, user.UserName).SetClaim(Claims.PreferredUsername, user.UserName);
        if (granted.Contains("fhirUser") && user.FhirUser is not null)
            identity.SetClaim(SmartClaims.FhirUser, $"{FhirBase.Of(http)}/{user.FhirUser}");

        // EHR launch context travels only with the "launch" scope; a standalone patient with launch/patient, or
        // implicitly for a patient's own patient/ scopes (their tokens are always confined to their own record).
        var ehr = launch is not null && granted.Contains("launch");
        var patientScopes = granted.Any(s => SmartScopes.Context(s) == "patient");
        var contextPatient = ehr ? launch!.Patient
            : granted.Contains("launch/patient") || (patientScopes && user.IsPatient) ? patient : null;
        if (contextPatient is not null)
        {
            identity.SetClaim(SmartClaims.Patient, contextPatient);
            // Note: in an EHR launch the EHR already shows who the patient is.
            identity.SetClaim(SmartClaims.NeedPatientBanner, ehr ? "false" : "true");
        }
        // The encounter: the EHR's, or the one picked at a standalone launch/encounter (always of the context patient).
        var contextEncounter = ehr ? launch!.Encounter : granted.Contains("launch/encounter") && contextPatient is not null ? encounter : null;
        if (contextEncounter is not null) identity.SetClaim(SmartClaims.Encounter, contextEncounter);

        await Organizations.OrganizationClaims.AddAsync(http, identity, user);

        identity.SetScopes(granted);
        identity.SetResources(FhirBase.Of(http));
        // A permanent authorization is what "my authorized apps" lists and revokes (with every token issued under it).
        var authorization = await authorizations.CreateAsync(identity, user.Id, (await applications.GetIdAsync(application))!,
            AuthorizationTypes.Permanent, [.. granted]);
        identity.SetAuthorizationId(await authorizations.GetIdAsync(authorization));
        SmartDestinations.Apply(identity);
        return new ClaimsPrincipal(identity);
    }
}

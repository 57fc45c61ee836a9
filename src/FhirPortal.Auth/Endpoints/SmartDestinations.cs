using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirPortal.Auth.Endpoints;

/// <summary>Which token each claim goes into (OpenIddict puts a claim nowhere unless told).</summary>
public static class SmartDestinations
{
    public static void Apply(ClaimsIdentity identity)
    {
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            SmartClaims.FhirUser => [Destinations.AccessToken, Destinations.IdentityToken],
            SmartClaims.Patient or SmartClaims.Encounter => [Destinations.AccessToken],
            SmartClaims.Organization or SmartClaims.OrganizationKind or SmartClaims.Administrator or SmartClaims.BillingStaff => [Destinations.AccessToken],
            // The account name also goes into access tokens: the FHIR server's access audit names the user.
            Claims.Name => identity.HasScope("profile") ? [Destinations.AccessToken, Destinations.IdentityToken] : [Destinations.AccessToken],
            Claims.PreferredUsername when identity.HasScope("profile") => [Destinations.IdentityToken],
            // need_patient_banner and the launch's bookkeeping stay in codes and refresh tokens only.
            _ => [],
        });
    }
}

using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// Identity's SignInManager with the portal's two-factor policy: an account needs a second factor when the user turned
/// it on, or when it is a patient account and <see cref="SignInOptions.RequireTwoFactorForPatients"/> is set. Identity
/// then answers a correct password with <c>TwoFactorRequired</c> and keeps the user in its two-factor cookie.
/// </summary>
public sealed class PortalSignInManager(UserManager<PortalUser> users, IHttpContextAccessor http, IUserClaimsPrincipalFactory<PortalUser> claims,
    IOptions<IdentityOptions> options, ILogger<SignInManager<PortalUser>> logger, IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation, IOptions<SignInOptions> signIn)
    : SignInManager<PortalUser>(users, http, claims, options, logger, schemes, confirmation)
{
    public override async Task<bool> IsTwoFactorEnabledAsync(PortalUser user) =>
        IsRequired(user) || await base.IsTwoFactorEnabledAsync(user);

    /// <summary>Whether policy (not the user's choice) demands a second factor; such users cannot turn it off.</summary>
    public bool IsRequired(PortalUser user) => signIn.Value.RequireTwoFactorForPatients && user.IsPatient;
}

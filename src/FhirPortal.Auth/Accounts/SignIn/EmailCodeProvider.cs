using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>Sign-in codes mailed to the account's confirmed address (limits in <see cref="OneTimeCodeProvider"/>).</summary>
public sealed class EmailCodeProvider(IOptions<SignInOptions> options, TimeProvider clock, AccountTokens tokens) : OneTimeCodeProvider(options, clock, tokens)
{
    public const string Name = "EmailCode";

    protected override string TokenName(string purpose) => "EmailSignInCode";

    public override async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PortalUser> manager, PortalUser user) =>
        !string.IsNullOrEmpty(await manager.GetEmailAsync(user)) && await manager.IsEmailConfirmedAsync(user);
}

using FhirPortal.Auth.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// Codes sent by text message, with the limits of emailed codes (<see cref="OneTimeCodeProvider"/>): sign-in codes to
/// the verified mobile number, and (as Identity's change-phone-number provider) the code that verifies a new number.
/// The two are kept apart, so a sign-in text does not void a verification in progress, and the other way round.
/// </summary>
public sealed class TextCodeProvider(IOptions<SignInOptions> options, TimeProvider clock, AccountTokens tokens) : OneTimeCodeProvider(options, clock, tokens)
{
    public const string Name = "TextCode";

    /// <summary>The AspNetUserTokens names of the pending codes (dropped when the number is removed).</summary>
    internal const string SignInToken = "TextSignInCode", VerifyToken = "PhoneVerifyCode";

    // Identity's purpose for a number change is "ChangePhoneNumber:" + the number; the number is checked on entry.
    protected override string TokenName(string purpose) =>
        purpose.StartsWith("ChangePhoneNumber", StringComparison.Ordinal) ? VerifyToken : SignInToken;

    /// <summary>Only a verified number gets sign-in codes.</summary>
    public override async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PortalUser> manager, PortalUser user) =>
        !string.IsNullOrEmpty(await manager.GetPhoneNumberAsync(user)) && await manager.IsPhoneNumberConfirmedAsync(user);
}

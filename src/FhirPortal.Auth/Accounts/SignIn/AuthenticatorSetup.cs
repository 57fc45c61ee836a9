using QRCoder;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>
/// What an authenticator app needs to enrol: the key (Identity's base32 authenticator key), the otpauth:// provisioning
/// URI (Key Uri Format: issuer, account, secret, 6 digits, 30 s) and that URI as a PNG QR code in a data: URI.
/// </summary>
public sealed record AuthenticatorSetup(string Key, string ProvisioningUri, string QrCodeDataUri)
{
    public static AuthenticatorSetup For(string issuer, string account, string key)
    {
        var uri = $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}" +
            $"?secret={key}&issuer={Uri.EscapeDataString(issuer)}&digits=6&period=30";
        var png = PngByteQRCodeHelper.GetQRCode(uri, QRCodeGenerator.ECCLevel.Q, 5, true);
        return new AuthenticatorSetup(key, uri, "data:image/png;base64," + Convert.ToBase64String(png));
    }

    /// <summary>The key in groups of four, easier to type into an app by hand.</summary>
    public string KeyForReading => string.Join(' ', Key.ToLowerInvariant().Chunk(4).Select(c => new string(c)));
}

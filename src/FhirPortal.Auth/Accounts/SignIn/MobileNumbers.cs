using PhoneNumbers;

namespace FhirPortal.Auth.Accounts.SignIn;

/// <summary>Mobile numbers as people type them, read by libphonenumber: checked and written in E.164 (what Twilio takes).</summary>
public static class MobileNumbers
{
    /// <summary>
    /// The E.164 form of <paramref name="typed"/> (international with +, else national in <paramref name="region"/>),
    /// or null when it is not a valid number that can receive texts.
    /// </summary>
    public static string? ToE164(string? typed, string region)
    {
        if (string.IsNullOrWhiteSpace(typed) || typed.Length > 40) return null;
        var util = PhoneNumberUtil.GetInstance();
        try
        {
            var number = util.Parse(typed.Trim(), region);
            if (!util.IsValidNumber(number)) return null;
            // Note: many countries (the US among them) do not tell mobile from fixed-line numbers by the digits.
            return util.GetNumberType(number) is PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE
                ? util.Format(number, PhoneNumberFormat.E164)
                : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>The number as shown on pages that only hint at it: its last two digits.</summary>
    public static string Hint(string e164) => "ending in " + e164[^2..];
}

using FhirPortal.Auth.Accounts;

namespace FhirPortal.Auth.Tests.Accounts;

public sealed class CommonPasswordTests
{
    [Theory]
    [InlineData("password", true)]
    [InlineData("PASSWORD", true)]
    [InlineData("Password2024!", true)]
    [InlineData("!!Welcome123", true)]
    [InlineData("P@ssw0rd", true)]
    [InlineData("Qwertyuiop-1", true)]
    [InlineData("L3tme1n!", true)]
    [InlineData("Demo-password-1", false)]
    [InlineData("Test-password-1", false)]
    [InlineData("Quiet-harbour-41", false)]
    public void Common_passwords_are_recognised_also_with_digits_symbols_and_look_alikes(string password, bool common) =>
        Assert.Equal(common, CommonPasswordValidator.IsCommon(password));
}

using FhirPortal.Core.Billing;

namespace FhirPortal.Core.Tests.Billing;

/// <summary>An amount fits a currency when it is a whole number of its minor units (ISO 4217 decimals).</summary>
public sealed class CurrencyMinorUnitsTests
{
    [Theory]
    [InlineData("10.00", "USD", true)]
    [InlineData("10.01", "usd", true)]
    [InlineData("10.005", "USD", false)]
    [InlineData("0.004", "EUR", false)]
    [InlineData("1500", "JPY", true)]
    [InlineData("1500.5", "JPY", false)]
    [InlineData("100.1", "KRW", false)]
    [InlineData("1.005", "KWD", true)]
    [InlineData("1.0005", "BHD", false)]
    public void An_amount_fits_when_it_has_no_more_decimals_than_the_currency(string amount, string currency, bool fits) =>
        Assert.Equal(fits, CurrencyMinorUnits.Fits(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency));
}

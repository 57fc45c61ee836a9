namespace FhirPortal.Search.Tests;

public sealed class UcumCanonicalTests
{
    [Theory]
    [InlineData(126, "mg/dL", 1.26, "g/L")]
    [InlineData(1.5, "kg", 1500, "g")]
    [InlineData(7, "mmol/L", 7000, "umol/L")]
    public void Convertible_units_share_a_canonical_form(decimal value, string code, decimal otherValue, string otherCode)
    {
        Assert.True(UcumCanonical.TryCanonicalize(value, code, out var v1, out var c1));
        Assert.True(UcumCanonical.TryCanonicalize(otherValue, otherCode, out var v2, out var c2));
        Assert.Equal(c1, c2);
        Assert.Equal(decimal.Round(v1, 6), decimal.Round(v2, 6));
    }

    [Theory]
    [InlineData(126, "mg/dL", 1260, "g.m-3")]
    [InlineData(0.1234567, "mg/dL", 1.234567, "g.m-3")]
    [InlineData(123.45, "[lb_av]", 55995.9780765, "g")]
    [InlineData(0, "kg", 0, "g")]
    public void Every_value_of_a_unit_converts_exactly_also_after_the_unit_was_seen(decimal value, string code, decimal expected, string expectedCode)
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.True(UcumCanonical.TryCanonicalize(value, code, out var canonical, out var canonicalCode));
            Assert.Equal(expected, canonical);
            Assert.Equal(expectedCode, canonicalCode);
        }
    }

    [Theory]
    [InlineData("not a unit")]
    [InlineData("")]
    public void Unknown_codes_are_not_converted(string code) =>
        Assert.False(UcumCanonical.TryCanonicalize(1, code, out _, out _));
}

namespace FhirPortal.Core.Billing;

/// <summary>
/// How many decimal places an amount in a currency may have (ISO 4217 minor units, as payment providers take them):
/// 2 by default, 0 for zero-decimal currencies (JPY, KRW, ...), 3 for BHD, JOD, KWD, OMR and TND.
/// </summary>
public static class CurrencyMinorUnits
{
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
        { "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF" };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "BHD", "JOD", "KWD", "OMR", "TND" };

    /// <summary>The currency's number of decimal places.</summary>
    public static int Decimals(string currency) => ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    /// <summary>How many minor units make one major unit (1, 100 or 1000).</summary>
    public static decimal Factor(string currency) => Decimals(currency) switch { 0 => 1m, 3 => 1000m, _ => 100m };

    /// <summary>Whether <paramref name="amount"/> is a whole number of the currency's minor units (10.005 USD is not).</summary>
    public static bool Fits(decimal amount, string currency) => decimal.Round(amount, Decimals(currency)) == amount;
}

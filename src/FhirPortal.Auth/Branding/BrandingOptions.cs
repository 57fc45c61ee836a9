using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace FhirPortal.Auth.Branding;

/// <summary>
/// The <c>FhirPortal:Branding</c> section: the organization's name, logo and colour on the server's own pages (sign-in,
/// registration, consent, account). Validated at start-up, so configuration can neither inject CSS nor fail contrast.
/// </summary>
public sealed class BrandingOptions : IValidatableObject
{
    public const string Section = "FhirPortal:Branding";

    /// <summary>Shown in the page header and titles.</summary>
    [Required, StringLength(100)]
    public string Name { get; set; } = "FhirPortal";

    /// <summary>A logo on this server, as a root-relative path (the pages' Content-Security-Policy blocks other sites' images).</summary>
    [RegularExpression(@"^/[^/\\].*$", ErrorMessage = "LogoUrl must be a path on this server starting with '/'.")]
    public string? LogoUrl { get; set; }

    /// <summary>A logo file (.png, .svg, .jpg, .jpeg, .webp), served at <see cref="LogoPath"/>.</summary>
    public string? LogoFile { get; set; }

    /// <summary>The header and button colour, <c>#rgb</c> or <c>#rrggbb</c>; white text on it must reach 4.5:1 (WCAG AA).</summary>
    [Required, RegularExpression("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", ErrorMessage = "PrimaryColor must be #rgb or #rrggbb.")]
    public string PrimaryColor { get; set; } = "#005ea2";

    /// <summary>Where the configured <see cref="LogoFile"/> is served.</summary>
    public const string LogoPath = "/auth/branding/logo";

    /// <summary>The logo the pages show: the file's route, the configured URL, or none.</summary>
    public string? EffectiveLogoUrl => !string.IsNullOrEmpty(LogoFile) ? LogoPath : string.IsNullOrEmpty(LogoUrl) ? null : LogoUrl;

    public static readonly IReadOnlyDictionary<string, string> LogoTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png", [".svg"] = "image/svg+xml", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".webp"] = "image/webp",
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(LogoFile) && !string.IsNullOrEmpty(LogoUrl))
            yield return new ValidationResult("Set LogoUrl or LogoFile, not both.", [nameof(LogoUrl), nameof(LogoFile)]);
        if (!string.IsNullOrEmpty(LogoFile) && (!LogoTypes.ContainsKey(Path.GetExtension(LogoFile)) || !File.Exists(LogoFile)))
            yield return new ValidationResult($"LogoFile '{LogoFile}' must be an existing .png, .svg, .jpg, .jpeg or .webp file.", [nameof(LogoFile)]);
        if (Contrast.ParseHex(PrimaryColor) is { } rgb && Contrast.Ratio(rgb, (255, 255, 255)) < 4.5)
            yield return new ValidationResult($"PrimaryColor {PrimaryColor} is too light for white text (contrast below 4.5:1).", [nameof(PrimaryColor)]);
    }
}

/// <summary>WCAG 2.x contrast ratio of two sRGB colours (relative luminance, https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio).</summary>
public static class Contrast
{
    public static (int R, int G, int B)? ParseHex(string? hex)
    {
        if (hex is null || !hex.StartsWith('#')) return null;
        var digits = hex[1..];
        if (digits.Length == 3) digits = string.Concat(digits.Select(c => new string(c, 2)));
        return digits.Length == 6 && int.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v)
            ? ((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
            : null;
    }

    public static double Ratio((int R, int G, int B) a, (int R, int G, int B) b)
    {
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    private static double Luminance((int R, int G, int B) c) => 0.2126 * Channel(c.R) + 0.7152 * Channel(c.G) + 0.0722 * Channel(c.B);

    private static double Channel(int value)
    {
        var s = value / 255.0;
        return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
    }
}

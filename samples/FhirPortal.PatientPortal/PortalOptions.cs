using System.ComponentModel.DataAnnotations;

namespace FhirPortal.PatientPortal;

/// <summary>The <c>Portal</c> configuration section: which FHIR server to use, as which SMART client, and the branding.</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>The FHIR base URL, e.g. <c>http://localhost:5000/fhir</c>; sent as <c>aud</c> and used for every FHIR call.</summary>
    [Required, Url]
    public string FhirBaseUrl { get; set; } = "";

    /// <summary>The authorization server (OpenID Connect issuer); the FHIR server's root when empty.</summary>
    [Url]
    public string? Authority { get; set; }

    [Required]
    public string ClientId { get; set; } = "";

    /// <summary>The confidential client's secret (<c>client_secret_basic</c>); keep it out of source control.</summary>
    [Required]
    public string ClientSecret { get; set; } = "";

    /// <summary>Only for local development against an http:// server.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>An access token this close to expiry is refreshed before the page's FHIR calls.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a signed-in session lasts without use.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    public BrandingOptions Branding { get; set; } = new();

    /// <summary>The issuer to discover: <see cref="Authority"/>, or the FHIR base's origin.</summary>
    public string EffectiveAuthority => string.IsNullOrEmpty(Authority) ? new Uri(FhirBaseUrl).GetLeftPart(UriPartial.Authority) + "/" : Authority;

    /// <summary>The FHIR server's root (its account pages live under /auth there).</summary>
    public Uri ServerRoot => new(new Uri(FhirBaseUrl).GetLeftPart(UriPartial.Authority) + "/");
}

/// <summary>The organization's name, logo and colours shown on every page.</summary>
public sealed class BrandingOptions
{
    [Required]
    public string OrganizationName { get; set; } = "FhirPortal Health";

    /// <summary>A logo URL (absolute, or a path under wwwroot); none shows the name alone.</summary>
    public string? LogoUrl { get; set; } = "/img/logo.svg";

    /// <summary>CSS hex colours (#rgb or #rrggbb); validated so configuration cannot inject CSS.</summary>
    [RegularExpression("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    public string PrimaryColor { get; set; } = "#0b5cad";

    [RegularExpression("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    public string AccentColor { get; set; } = "#e8f1fb";
}

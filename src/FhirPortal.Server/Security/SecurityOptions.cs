using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Server.Security;

/// <summary>The <c>FhirPortal:Security</c> configuration section: enforcement on the FHIR API and CORS.</summary>
public sealed class SecurityOptions
{
    public const string Section = "FhirPortal:Security";

    /// <summary>False turns access control off entirely (local experiments only); logged as a warning at start-up.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The authentication scheme that validates access tokens; the <c>FhirBearer</c> policy scheme forwards to it.</summary>
    [Required]
    public string ValidationScheme { get; set; } = FhirAuthentication.OpenIddictValidationScheme;

    /// <summary>The realm named in <c>WWW-Authenticate</c> challenges.</summary>
    [Required]
    public string Realm { get; set; } = "FhirPortal";

    [Required]
    public CorsSettings Cors { get; set; } = new();
}

/// <summary>Browser origins allowed to call the FHIR API, in addition to those of registered clients.</summary>
public sealed class CorsSettings
{
    /// <summary>Origins such as <c>https://app.example.org</c> (scheme, host and port; no path).</summary>
    public List<string> Origins { get; set; } = [];
}

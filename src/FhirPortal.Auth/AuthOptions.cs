using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Auth;

/// <summary>The <c>FhirPortal:Auth</c> configuration section: the SMART authorization server's settings.</summary>
public sealed class AuthOptions
{
    public const string Section = "FhirPortal:Auth";

    /// <summary>The issuer (authorization server base URL); derived from the request when empty.</summary>
    [Url]
    public string? Issuer { get; set; }

    /// <summary>Accept plain HTTP on the OAuth endpoints (local development and in-process tests only).</summary>
    public bool AllowHttp { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A new signing key is made after this period; the previous one stays published for validation.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan KeyRotationPeriod { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an EHR launch value stays usable.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan LaunchLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Returned as <c>smart_style_url</c>; the portal's own style document when empty.</summary>
    public string? SmartStyleUrl { get; set; }

    /// <summary>Clients registered (or updated) at start-up; idempotent by client id.</summary>
    public List<ClientRegistration> Clients { get; set; } = [];

    /// <summary>Seed the demo patient, practitioner and app (Development only).</summary>
    public bool SeedDemo { get; set; }

    /// <summary>Where accounts, clients, tokens and consents live.</summary>
    public AuthDatabaseOptions Database { get; set; } = new();
}

/// <summary>
/// <c>FhirPortal:Auth:Database</c>: SQLite (auth.db in the data directory; one instance) or PostgreSQL (shared by
/// several instances; its migrations are in the FhirPortal.Auth.Migrations.PostgreSql assembly).
/// </summary>
public sealed class AuthDatabaseOptions
{
    public const string Sqlite = "Sqlite", PostgreSql = "PostgreSql";
    public const string PostgreSqlMigrationsAssembly = "FhirPortal.Auth.Migrations.PostgreSql";

    public string Provider { get; set; } = Sqlite;

    /// <summary>An Npgsql connection string (PostgreSql only), e.g. <c>Host=db;Database=fhirportal_auth;Username=portal;Password=...</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Why these settings cannot work, or null.</summary>
    public string? Problem() => Provider switch
    {
        Sqlite => null,
        PostgreSql when string.IsNullOrWhiteSpace(ConnectionString) => "FhirPortal:Auth:Database:ConnectionString is required for PostgreSql.",
        PostgreSql => null,
        _ => $"FhirPortal:Auth:Database:Provider must be {Sqlite} or {PostgreSql}, not '{Provider}'.",
    };
}

/// <summary>A client (SMART app or backend service) as registered through configuration or the admin API.</summary>
public sealed class ClientRegistration
{
    [Required]
    public string ClientId { get; set; } = "";

    public string? DisplayName { get; set; }

    /// <summary>Set for confidential clients using <c>client_secret_basic</c>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Public keys for <c>private_key_jwt</c> (a JWKS JSON document), registered inline.</summary>
    public string? Jwks { get; set; }

    /// <summary>Public keys for <c>private_key_jwt</c>, fetched from this URL.</summary>
    public string? JwksUri { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    /// <summary>Scopes the client may get: exact scopes, or <c>patient/*</c>, <c>user/*</c>, <c>system/*</c> for any of that context.</summary>
    public List<string> AllowedScopes { get; set; } = [];

    /// <summary>The app's launch URL (EHR launch).</summary>
    public string? LaunchUrl { get; set; }
}

using System.ComponentModel.DataAnnotations;

namespace FhirPortal.Server;

/// <summary>The <c>FhirPortal</c> configuration section; validated at start-up.</summary>
public sealed class FhirPortalOptions
{
    public const string Section = "FhirPortal";

    /// <summary>Where the SQLite database (and later files) live; created if missing.</summary>
    [Required]
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The FHIR base URL used in links, Location headers and fullUrls; derived from the request when empty.</summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

    /// <summary>The implementation guide folder; its profiles, terminology and SearchParameters load at start-up.</summary>
    public string? ProfilesDirectory { get; set; } = "./profiles";

    /// <summary>
    /// A relative <see cref="ProfilesDirectory"/> missing from the working directory falls back to the copy the build
    /// places beside the binaries (a required profile that cannot be found stops start-up). Empty means none.
    /// </summary>
    public string? ResolvedProfilesDirectory =>
        string.IsNullOrWhiteSpace(ProfilesDirectory) ? null
        : ProfilesDirectory is { } dir && !Path.IsPathRooted(dir) && !Directory.Exists(dir)
        && Directory.Exists(Path.Combine(AppContext.BaseDirectory, dir))
            ? Path.Combine(AppContext.BaseDirectory, dir)
            : ProfilesDirectory;

    [Required]
    public LimitOptions Limits { get; set; } = new();

    [Required]
    public ValidationOptions Validation { get; set; } = new();
}

/// <summary>Request size, nesting and paging limits.</summary>
public sealed class LimitOptions
{
    /// <summary>Largest accepted request body, in bytes (Bundles included).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Largest accepted single resource (create, update, patch), in bytes.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxResourceBytes { get; set; } = 16 * 1024 * 1024;

    [Range(8, 1000)]
    public int MaxJsonDepth { get; set; } = 100;

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 20;

    [Range(1, 10000)]
    public int MaxPageSize { get; set; } = 1000;
}

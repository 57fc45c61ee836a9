using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Security;

/// <summary>
/// A source of browser origins allowed to call the FHIR API. The configured list is one; the authorization server
/// adds one that answers from registered clients' redirect URIs (see <see cref="FhirCors.OriginOf"/>).
/// </summary>
public interface IAllowedOrigins
{
    bool IsAllowed(string origin);
}

/// <summary>
/// CORS for browser SMART apps: allowed origins come from every <see cref="IAllowedOrigins"/>; responses expose the
/// headers a client follows after a write (Location, Content-Location, ETag, Last-Modified).
/// </summary>
public static class FhirCors
{
    public const string Policy = "FhirCors";

    public static CorsPolicy Build(IServiceProvider services) => new CorsPolicyBuilder()
        .SetIsOriginAllowed(origin => services.GetServices<IAllowedOrigins>().Any(s => s.IsAllowed(origin)))
        .AllowAnyHeader()
        .AllowAnyMethod()
        .WithExposedHeaders("Location", "Content-Location", "ETag", "Last-Modified")
        .SetPreflightMaxAge(TimeSpan.FromMinutes(10))
        .Build();

    /// <summary>The origin (<c>scheme://host[:port]</c>, lower case) of an absolute URL such as a redirect URI, or null.</summary>
    public static string? OriginOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    /// <summary>True for a bare origin: an absolute http(s) URL without path, query or fragment.</summary>
    public static bool IsOrigin(string value) =>
        OriginOf(value) is { } origin && string.Equals(origin, value.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>The origins listed in <c>FhirPortal:Security:Cors:Origins</c>.</summary>
internal sealed class ConfiguredOrigins(IOptions<SecurityOptions> options) : IAllowedOrigins
{
    private readonly HashSet<string> _origins = options.Value.Cors.Origins
        .Select(o => FhirCors.OriginOf(o)).OfType<string>().ToHashSet(StringComparer.Ordinal);

    public bool IsAllowed(string origin) => FhirCors.OriginOf(origin) is { } o && _origins.Contains(o);
}

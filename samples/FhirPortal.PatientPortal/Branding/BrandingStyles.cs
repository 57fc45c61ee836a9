using Microsoft.Extensions.Options;

namespace FhirPortal.PatientPortal.Branding;

/// <summary>
/// The organization's colours as CSS custom properties at <c>/branding.css</c>, so pages keep a strict Content-Security-Policy
/// (no inline style) while colours come from configuration. The values are validated hex colours (<see cref="BrandingOptions"/>).
/// </summary>
public static class BrandingStyles
{
    public static void MapBrandingStyles(this IEndpointRouteBuilder app) =>
        app.MapGet("/branding.css", (IOptions<PortalOptions> options, HttpContext context) =>
        {
            var b = options.Value.Branding;
            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Text($":root {{ --brand: {b.PrimaryColor}; --brand-soft: {b.AccentColor}; }}\n", "text/css; charset=utf-8");
        }).AllowAnonymous();

    /// <summary>Browser security headers on every response: no framing, no sniffing, scripts and styles only from this origin.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";
            // Note: authorization codes come back in the URL; no page should leak its URL to another site.
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; " +
                                            "frame-ancestors 'none'; base-uri 'self'";
            await next();
        });
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Branding;

/// <summary>
/// The branding's colour as CSS custom properties at <c>/auth/branding.css</c> (the pages allow no inline style) and the
/// configured logo file at <see cref="BrandingOptions.LogoPath"/>.
/// </summary>
public static class BrandingEndpoints
{
    public static IEndpointRouteBuilder MapBranding(this IEndpointRouteBuilder app)
    {
        // The colour is validated as hex (BrandingOptions), so it cannot carry other CSS.
        app.MapGet("/auth/branding.css", (IOptions<BrandingOptions> options) =>
            Results.Text($":root {{ --brand: {options.Value.PrimaryColor}; }}\n", "text/css; charset=utf-8")).ExcludeFromDescription();
        app.MapGet(BrandingOptions.LogoPath, (IOptions<BrandingOptions> options) =>
            options.Value.LogoFile is { Length: > 0 } file
                ? Results.File(Path.GetFullPath(file), BrandingOptions.LogoTypes[Path.GetExtension(file)])
                : Results.NotFound()).ExcludeFromDescription();
        return app;
    }
}

namespace FhirPortal.Server.Security;

/// <summary>
/// Browser hardening headers on every response (OWASP secure headers): no framing (the consent page's Allow button must
/// not be clickjacked), no MIME sniffing, no Referer (authorization codes travel in redirect URLs), a Content Security
/// Policy without inline script, and no caching of the sign-in, account and OAuth pages that show personal data.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The portal's own pages: nothing inline, images only from itself or data: (the authenticator QR code).</summary>
    public const string PagePolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

    /// <summary>Swagger UI loads its scripts and styles from itself; its React components set inline styles.</summary>
    public const string SwaggerPolicy =
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Registers the headers as a startup filter: OpenIddict answers its endpoints from the authentication middleware,
    /// which WebApplication puts before the app's own middleware, so only a filter runs early enough.
    /// </summary>
    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services) =>
        services.AddTransient<IStartupFilter, StartupFilter>();

    private sealed class StartupFilter(IWebHostEnvironment environment) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // Note: HSTS only outside Development (local runs use plain HTTP); ASP.NET Core sends it over HTTPS only.
            if (!environment.IsDevelopment()) app.UseHsts();
            app.Use((context, nextMiddleware) =>
            {
                // Set just before the response starts, so error pages (the exception handler clears headers) get them too.
                context.Response.OnStarting(() =>
                {
                    Apply(context);
                    return Task.CompletedTask;
                });
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/swagger") ? SwaggerPolicy : PagePolicy;
        var path = context.Request.Path;
        if (path.StartsWithSegments("/auth") || path.StartsWithSegments("/connect"))
        {
            headers.CacheControl = "no-store";
            headers.Pragma = "no-cache";
        }
    }
}

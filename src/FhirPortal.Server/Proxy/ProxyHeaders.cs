using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace FhirPortal.Server.Proxy;

/// <summary>
/// Forwarded headers from known proxies, applied before anything else reads the request: the FHIR base in links, the
/// OpenIddict issuer, its HTTPS transport check, HSTS and the audited client address then see what the client used.
/// </summary>
public static class ProxyHeaders
{
    /// <summary>Registers the options and the startup filter; call it before any other registration that adds a filter.</summary>
    public static IServiceCollection AddProxyHeaders(this IServiceCollection services)
    {
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((o, proxy) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            var p = proxy.Value;
            // Note: a host outside this list is ignored (the request keeps its own Host), so a client cannot pick the
            // host of links and of the issuer through a proxy that passes its X-Forwarded-Host on.
            foreach (var host in p.AllowedHosts) o.AllowedHosts.Add(host);
            // Note: without configuration the ASP.NET defaults stay (127.0.0.0/8 and ::1): a proxy on the same machine.
            if (p.KnownProxies.Count == 0 && p.KnownNetworks.Count == 0) return;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var address in p.KnownProxies) o.KnownProxies.Add(System.Net.IPAddress.Parse(address));
            foreach (var network in p.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        // Note: a startup filter, because OpenIddict answers its endpoints from the authentication middleware, which
        // WebApplication places before the app's own middleware; filters registered first run first.
        services.AddTransient<IStartupFilter, StartupFilter>();
        return services;
    }

    private sealed class StartupFilter(IWebHostEnvironment environment, IConfiguration configuration) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            // Only when Kestrel itself serves HTTPS: behind a TLS-terminating proxy an instance listens on plain HTTP with
            // no HTTPS port to send anyone to, and the proxy's requests already count as HTTPS (X-Forwarded-Proto).
            if (!environment.IsDevelopment() && HttpsEndpoints.Served(configuration)) app.UseHttpsRedirection();
            next(app);
        };
    }
}

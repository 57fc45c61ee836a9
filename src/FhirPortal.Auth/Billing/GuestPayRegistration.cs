using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FhirPortal.Auth.Billing;

/// <summary>Wires guest bill pay: its options, session cookie, throttled lookup and the page's per-address rate limit.</summary>
public static class GuestPayRegistration
{
    public static IServiceCollection AddGuestBillPay(this IServiceCollection services)
    {
        services.AddOptions<GuestPayOptions>().BindConfiguration(GuestPayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<GuestSessions>();
        services.AddScoped<GuestLookup>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(GuestPayOptions.RateLimitPolicy, http =>
            {
                var perMinute = http.RequestServices.GetRequiredService<IOptions<GuestPayOptions>>().Value.RequestsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>CORS for registered clients' redirect origins follows the client table: a deleted client's origin stops being allowed.</summary>
public sealed class RegisteredClientOriginsTests
{
    [Fact]
    public async Task A_deleted_clients_redirect_origin_is_refused_once_the_origins_are_a_minute_old()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var smart = await SmartHarness.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        Assert.True(await AllowedAsync(smart, "http://app.test"));

        using (var scope = smart.Host.Services.CreateScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var all = new List<object>();
            await foreach (var application in applications.ListAsync()) all.Add(application);
            foreach (var application in all) await applications.DeleteAsync(application);
        }
        // Within the minute the loaded origins still answer (no client-table read per request).
        Assert.True(await AllowedAsync(smart, "http://app.test"));

        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.False(await AllowedAsync(smart, "http://app.test"));
        Assert.False(await AllowedAsync(smart, "http://app.test"));
    }

    private static async Task<bool> AllowedAsync(SmartHarness smart, string origin)
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "fhir/Patient/p1");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        using var response = await smart.Client().SendAsync(preflight);
        return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin;
    }
}

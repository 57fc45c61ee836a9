using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Access;

/// <summary>Hosts with security on, tokens validated by <see cref="TestTokenHandler"/>, and clients that carry given scopes.</summary>
public static class AccessHost
{
    public static FhirPortalHost Create(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["FhirPortal:Security:Enabled"] = "true",
            ["FhirPortal:Security:ValidationScheme"] = TestTokenHandler.SchemeName,
        };
        return new FhirPortalHost(settings: all)
        {
            TestServices = s =>
            {
                s.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestTokenHandler>(TestTokenHandler.SchemeName, _ => { });
                services?.Invoke(s);
            },
        };
    }

    /// <summary>A FHIR client whose requests carry a token with <paramref name="scopes"/> (and a launch patient).</summary>
    public static HttpClient ClientWith(this FhirPortalHost host, string scopes, string? patient = null, string? fhirUser = null)
    {
        var client = host.CreateFhirClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokenHandler.Token(scopes, patient, fhirUser));
        return client;
    }

    /// <summary>A backend client that may do everything (for seeding).</summary>
    public static HttpClient SystemClient(this FhirPortalHost host) => host.ClientWith("system/*.cruds");
}

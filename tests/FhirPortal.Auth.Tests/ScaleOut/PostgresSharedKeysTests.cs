using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Keys;
using FhirPortal.Auth.Tests.Smart;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.ScaleOut;

/// <summary>
/// Several instances on one PostgreSQL account database share their keys: the token signing and encryption keys (one
/// per purpose and period, however many instances race to make it) and the Data Protection key ring.
/// </summary>
[Trait("Requires", "PostgreSQL")]
public sealed class PostgresSharedKeysTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private async Task<Dictionary<string, string?>> SettingsAsync() => new()
    {
        ["FhirPortal:Auth:Database:Provider"] = "PostgreSql",
        ["FhirPortal:Auth:Database:ConnectionString"] = await postgres.NewDatabaseAsync(),
    };

    [SkippableFact]
    public async Task Two_hosts_publish_the_same_keys_and_a_token_of_one_is_used_and_refreshed_on_the_other()
    {
        var settings = await SettingsAsync();
        await using var a = await SmartHarness.StartAsync(settings);
        await using var b = await SmartHarness.StartAsync(settings);

        var jwksA = await a.Api.GetStringAsync(".well-known/jwks");
        Assert.Equal(KeyIds(jwksA), KeyIds(await b.Api.GetStringAsync(".well-known/jwks")));
        Assert.Equal(2, JsonNode.Parse(jwksA)!["keys"]!.AsArray().Count(k => (string?)k!["use"] != "enc")); // this period's and the next one's

        var token = await a.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/Observation.rs offline_access");
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(b, (string)token["access_token"]!, "Observation/o1"));
        // The refresh token's payload is encrypted with A's encryption key: B reads it with the same key.
        var (status, refreshed, _) = await b.PostFormAsync("connect/token",
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = (string)token["refresh_token"]! });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(a, (string)refreshed["access_token"]!, "Observation/o1"));
    }

    [SkippableFact]
    public async Task Data_protected_by_one_host_is_read_by_the_other()
    {
        var settings = await SettingsAsync();
        await using var a = await SmartHarness.StartAsync(settings);
        await using var b = await SmartHarness.StartAsync(settings);

        // What cookies, antiforgery tokens, reset links, tickets and protected secrets are made of.
        var sealedText = a.Host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("hello");
        Assert.Equal("hello", b.Host.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(sealedText));
        using var scope = a.Host.Services.CreateScope();
        Assert.NotEmpty(await scope.ServiceProvider.GetRequiredService<AuthDbContext>().DataProtectionKeys.ToListAsync());
    }

    [SkippableFact]
    public async Task Instances_racing_on_a_fresh_database_make_exactly_one_key_per_purpose_and_period()
    {
        var connection = await postgres.NewDatabaseAsync();
        var instances = Enumerable.Range(0, 4).Select(_ => Instance(connection)).ToList();
        var now = DateTimeOffset.UtcNow;
        var period = TimeSpan.FromHours(1);
        using var start = new Barrier(instances.Count * 2);
        var loads = instances.SelectMany(i => new[] { KeyRing.Signing, KeyRing.Encryption }.Select(purpose => Task.Run(() =>
        {
            start.SignalAndWait();
            return (purpose, Thumbprints: i.GetRequiredService<KeyRing>().Load(purpose, period, now).Select(k => k.Thumbprint).ToList());
        }))).ToList();
        var results = await Task.WhenAll(loads);

        foreach (var purpose in new[] { KeyRing.Signing, KeyRing.Encryption })
        {
            var seen = results.Where(r => r.purpose == purpose).Select(r => string.Join(",", r.Thumbprints)).Distinct().ToList();
            Assert.Single(seen); // every instance got the same keys: the winners' ones
            Assert.Equal(2, seen[0].Split(',').Length);
        }
        using var scope = instances[0].CreateScope();
        var rows = await scope.ServiceProvider.GetRequiredService<AuthDbContext>().ServerKeys.ToListAsync();
        var current = KeyRing.PeriodStart(now.UtcDateTime, period);
        Assert.Equal(
            new[] { (KeyRing.Encryption, current), (KeyRing.Encryption, current + period), (KeyRing.Signing, current), (KeyRing.Signing, current + period) },
            rows.Select(r => (r.Purpose, r.NotBefore)).Order());
        foreach (var instance in instances) await instance.DisposeAsync();
    }

    /// <summary>The key ring of one instance: its own services over the shared database.</summary>
    private static ServiceProvider Instance(string connection)
    {
        var services = new ServiceCollection();
        services.AddDbContext<AuthDbContext>(o => o.UseNpgsql(connection, n => n.MigrationsAssembly(AuthDatabaseOptions.PostgreSqlMigrationsAssembly)).UseOpenIddict());
        services.AddSingleton<AuthDatabaseMigration>();
        services.AddSingleton<KeyRing>();
        services.AddLogging();
        return services.BuildServiceProvider();
    }

    private static List<string> KeyIds(string jwks) =>
        [.. JsonNode.Parse(jwks)!["keys"]!.AsArray().Select(k => (string)k!["kid"]!).Order()];

    private static async Task<HttpStatusCode> ReadAsync(SmartHarness smart, string accessToken, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "fhir/" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await smart.Api.SendAsync(request);
        return response.StatusCode;
    }
}

using System.Net;
using System.Net.Http.Headers;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Tests.Smart;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.ScaleOut;

/// <summary>
/// The account database on PostgreSQL (FhirPortal:Auth:Database:Provider=PostgreSql): its migrations create the schema,
/// and registration, sign-in, the token flow, refresh and the FHIR API work on it, also from a second host on the same
/// database (what several instances share).
/// </summary>
[Trait("Requires", "PostgreSQL")]
public sealed class PostgresAccountDatabaseTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private async Task<Dictionary<string, string?>> SettingsAsync() => new()
    {
        ["FhirPortal:Auth:Database:Provider"] = "PostgreSql",
        ["FhirPortal:Auth:Database:ConnectionString"] = await postgres.NewDatabaseAsync(),
    };

    [SkippableFact]
    public async Task Migrations_create_the_schema_and_a_patient_gets_uses_and_refreshes_a_token()
    {
        await using var smart = await SmartHarness.StartAsync(await SettingsAsync());
        using (var scope = smart.Host.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        }

        var token = await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/Observation.rs offline_access");
        Assert.Equal("p1", (string?)token["patient"]);
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(smart, (string)token["access_token"]!, "Observation/o1"));

        var (status, refreshed, _) = await smart.PostFormAsync("connect/token",
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = (string)token["refresh_token"]! });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, await ReadAsync(smart, (string)refreshed["access_token"]!, "Observation/o1"));
    }

    [SkippableFact]
    public async Task A_database_that_does_not_exist_yet_is_created_and_migrated_at_start_up()
    {
        await using var smart = await SmartHarness.StartAsync(new Dictionary<string, string?>
        {
            ["FhirPortal:Auth:Database:Provider"] = "PostgreSql",
            ["FhirPortal:Auth:Database:ConnectionString"] = postgres.MissingDatabase(),
        });
        using var scope = smart.Host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        Assert.True(await db.Database.CanConnectAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [SkippableFact]
    public async Task A_second_host_on_the_same_database_sees_the_accounts_and_clients_of_the_first()
    {
        var settings = await SettingsAsync();
        await using var first = await SmartHarness.StartAsync(settings);
        await using var second = await SmartHarness.StartAsync(settings);

        // Signed in and authorized on the second host: the account and the app were created through the first.
        var token = await second.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/Observation.rs");
        Assert.Equal("p1", (string?)token["patient"]);
        using var scope = first.Host.Services.CreateScope();
        Assert.True(await scope.ServiceProvider.GetRequiredService<AuthDbContext>().Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().AnyAsync());
    }

    [SkippableFact]
    public async Task Twenty_parallel_texts_send_exactly_the_hourly_limit() => await Accounts.ParallelAttemptTests.TextsAsync(await SettingsAsync());

    [SkippableFact]
    public async Task Twenty_parallel_wrong_codes_judge_exactly_the_attempt_limit() => await Accounts.ParallelAttemptTests.WrongCodesAsync(await SettingsAsync());

    [SkippableFact]
    public async Task Twenty_parallel_right_codes_are_accepted_once() => await Accounts.ParallelAttemptTests.RightCodesAsync(await SettingsAsync());

    private static async Task<HttpStatusCode> ReadAsync(SmartHarness smart, string accessToken, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "fhir/" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await smart.Api.SendAsync(request);
        return response.StatusCode;
    }
}

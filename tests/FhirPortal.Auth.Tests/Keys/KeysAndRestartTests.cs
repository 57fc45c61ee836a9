using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Auth.Keys;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using FhirPortal.Auth.Tests.Smart;

namespace FhirPortal.Auth.Tests.Keys;

/// <summary>Signing keys persist in the account database (tokens survive a restart) and rotate after the configured period.</summary>
public sealed class KeysAndRestartTests
{
    [Fact]
    public async Task Tokens_issued_before_a_restart_stay_valid_after_it()
    {
        string dataDirectory, access, refresh;
        await using (var first = await SmartHarness.StartAsync())
        {
            first.KeepData = true;
            dataDirectory = first.DataDirectory;
            var (verifier, challenge) = SmartHarness.Pkce();
            var redirect = await SmartHarness.AuthorizeAsync(first.Client(), SmartHarness.AuthorizeUrl(SmartHarness.ConfidentialApp, "patient/*.rs offline_access", challenge), SmartHarness.PatientUser);
            var (_, token, _) = await first.ExchangeAsync(SmartHarness.Query(redirect)["code"], verifier, SmartHarness.ConfidentialApp, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
            (access, refresh) = ((string)token["access_token"]!, (string)token["refresh_token"]!);
        }
        try
        {
            await using var second = await SmartHarness.StartAsync(dataDirectory: dataDirectory);
            var introspected = await second.PostFormAsync("connect/introspect", new Dictionary<string, string> { ["token"] = access }, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
            Assert.True((bool?)introspected.Body["active"], introspected.Body.ToJsonString());
            var refreshed = await second.PostFormAsync("connect/token", new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh },
                (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
            Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        }
        finally { FhirPortalHost.TryDelete(dataDirectory); }
    }

    [Fact]
    public async Task Key_ring_in_the_account_database_keeps_the_current_key_makes_the_next_ahead_and_rotates_after_the_period()
    {
        await using var harness = await SmartHarness.StartAsync();
        var ring = harness.Host.Services.GetRequiredService<KeyRing>();
        var period = TimeSpan.FromDays(30);
        var start = new DateTimeOffset(KeyRing.PeriodStart(DateTime.UtcNow.AddYears(1), period) + TimeSpan.FromDays(2));
        var first = ring.Load(KeyRing.Signing, period, start);
        Assert.Equal(2, first.Count); // current + next, published ahead (the host's keys of today have expired by then)
        var again = ring.Load(KeyRing.Signing, period, start.AddDays(1));
        Assert.Equal(first.Select(k => k.Thumbprint).Order(), again.Select(k => k.Thumbprint).Order());

        var later = ring.Load(KeyRing.Signing, period, start.AddDays(31));
        var current = first.Single(k => k.NotBefore.ToUniversalTime() <= start.UtcDateTime && k.NotAfter.ToUniversalTime() > start.UtcDateTime.AddDays(31));
        Assert.Contains(later, k => k.Thumbprint == current.Thumbprint); // the previous key still validates
        Assert.Equal(2, later.Count(k => k.NotBefore.ToUniversalTime() > start.UtcDateTime)); // now current + a new next

        var muchLater = ring.Load(KeyRing.Signing, period, start.AddDays(200));
        Assert.DoesNotContain(muchLater, k => first.Any(f => f.Thumbprint == k.Thumbprint)); // expired keys are dropped
        Assert.Equal(2, muchLater.Count);
        Assert.False(Directory.Exists(Path.Combine(harness.DataDirectory, "keys")) && Directory.GetFiles(Path.Combine(harness.DataDirectory, "keys")).Length > 0);
    }

    [Fact]
    public async Task Key_files_of_an_earlier_version_are_moved_into_the_database_and_keep_publishing()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "fhirportal-tests", Guid.NewGuid().ToString("N"));
        var folder = Directory.CreateDirectory(Path.Combine(dataDirectory, "keys")).FullName;
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=old signing key", rsa,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var notBefore = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds());
        using var old = request.CreateSelfSigned(notBefore, notBefore.AddDays(60));
        File.WriteAllBytes(Path.Combine(folder, $"signing-{notBefore.ToUnixTimeSeconds()}.pfx"), old.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx));

        await using var harness = await SmartHarness.StartAsync(dataDirectory: dataDirectory);
        var published = await harness.Api.GetStringAsync(".well-known/jwks");
        Assert.Contains(Convert.ToBase64String(old.RawData), published); // x5c of the old key
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public async Task A_server_running_for_many_rotation_periods_keeps_publishing_and_signing_with_current_keys()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await SmartHarness.StartAsync(
            new Dictionary<string, string?> { ["FhirPortal:Auth:KeyRotationPeriod"] = "01:00:00" },
            services: s => s.AddSingleton<TimeProvider>(clock));
        var before = await KeyIdsAsync(harness);
        Assert.Equal(2, before.Count); // current + next
        Assert.Equal(HttpStatusCode.OK, await ReadWithNewTokenAsync(harness)); // the resource server has loaded its keys too

        // Ten periods later without a restart: the keys of the first periods are gone, current ones are published.
        for (var step = 0; step < 40; step++) clock.Advance(TimeSpan.FromMinutes(15));
        var after = await KeyIdsAsync(harness);
        Assert.Empty(after.Intersect(before));
        Assert.InRange(after.Count, 2, 3);

        // A token issued now is signed with a published key and accepted by the FHIR API.
        Assert.Equal(HttpStatusCode.OK, await ReadWithNewTokenAsync(harness, after));
    }

    [Fact]
    public async Task A_key_refresh_while_the_account_database_fails_keeps_the_host_up_with_its_last_keys()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await SmartHarness.StartAsync(
            new Dictionary<string, string?> { ["FhirPortal:Auth:KeyRotationPeriod"] = "01:00:00" },
            services: s => s.AddSingleton<TimeProvider>(clock));
        var before = await KeyIdsAsync(harness);

        // The account database becomes unreadable (no pooled connection keeps the old file open).
        SqliteConnection.ClearAllPools();
        var database = Path.Combine(harness.DataDirectory, "auth.db");
        File.WriteAllBytes(database, new byte[8192]);
        Assert.ThrowsAny<SqliteException>(() =>
        {
            using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM ServerKeys";
            command.ExecuteScalar();
        });
        clock.Advance(TimeSpan.FromMinutes(15)); // the rotation schedule fires: the options reload reads the database

        Assert.Equal(before.Order(), (await KeyIdsAsync(harness)).Order());
    }

    private static async Task<HttpStatusCode> ReadWithNewTokenAsync(SmartHarness harness, List<string>? publishedKeys = null)
    {
        var (verifier, challenge) = SmartHarness.Pkce();
        var redirect = await SmartHarness.AuthorizeAsync(harness.Client(), SmartHarness.AuthorizeUrl(SmartHarness.ConfidentialApp, "patient/*.rs", challenge), SmartHarness.PatientUser);
        var (_, token, _) = await harness.ExchangeAsync(SmartHarness.Query(redirect)["code"], verifier, SmartHarness.ConfidentialApp, (SmartHarness.ConfidentialApp, SmartHarness.AppSecret));
        var header = JsonNode.Parse(Base64UrlDecode(((string)token["access_token"]!).Split('.')[0]))!;
        if (publishedKeys is not null) Assert.Contains((string)header["kid"]!, publishedKeys);
        var read = new HttpRequestMessage(HttpMethod.Get, "fhir/Patient/p1");
        read.Headers.Authorization = new("Bearer", (string)token["access_token"]!);
        return (await harness.Api.SendAsync(read)).StatusCode;
    }

    private static async Task<List<string>> KeyIdsAsync(SmartHarness harness)
    {
        var jwks = JsonNode.Parse(await harness.Api.GetStringAsync(".well-known/jwks"))!;
        return [.. jwks["keys"]!.AsArray().Where(k => (string?)k!["use"] != "enc").Select(k => (string)k!["kid"]!)];
    }

    private static byte[] Base64UrlDecode(string text) => System.Buffers.Text.Base64Url.DecodeFromChars(text);
}

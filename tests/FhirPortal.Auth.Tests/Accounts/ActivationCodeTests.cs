using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FhirPortal.Auth.Data;
using FhirPortal.Auth.Tests.Smart;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Auth.Tests.Accounts;

/// <summary>POST Patient/[id]/$activation-code over HTTP with real tokens: who may issue, what is returned and stored.</summary>
public sealed class ActivationCodeTests : IAsyncLifetime
{
    private AccountHarness _accounts = null!;

    public async Task InitializeAsync()
    {
        _accounts = await AccountHarness.StartAsync();
        await _accounts.PatientAsync("ac1", "MRN-100", "1990-05-17");
    }

    public async Task DisposeAsync() => await _accounts.DisposeAsync();

    [Fact]
    public async Task Staff_get_a_typeable_code_that_expires_after_the_configured_lifetime_and_only_its_hash_is_stored()
    {
        var (status, body) = await _accounts.IssueAsync("ac1");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Parameters", (string?)body["resourceType"]);
        var parameters = body["parameter"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => p!.AsObject());
        var code = (string)parameters["code"]["valueString"]!;
        Assert.Matches(new Regex("^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$"), code);
        var expires = DateTimeOffset.Parse((string)parameters["expires"]["valueDateTime"]!);
        Assert.InRange(expires - _accounts.Clock.GetUtcNow(), TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));

        using var scope = _accounts.Smart.Host.Services.CreateScope();
        var row = await scope.ServiceProvider.GetRequiredService<AuthDbContext>().ActivationCodes.SingleAsync(c => c.PatientId == "ac1");
        Assert.DoesNotContain(code.Replace("-", ""), row.CodeHash);
        Assert.DoesNotContain(code, row.CodeHash);
        Assert.EndsWith("Practitioner/dr1", row.IssuedBy);
        Assert.Single(await _accounts.AuditAsync("activation-code-issued"));
    }

    [Fact]
    public async Task Issuing_again_gives_a_different_code_and_the_earlier_one_stops_working()
    {
        var first = await _accounts.CodeAsync("ac1");
        var second = await _accounts.CodeAsync("ac1");
        Assert.NotEqual(first, second);

        var old = await _accounts.ProveAsync("MRN-100", first, "1990-05-17");
        Assert.Equal(HttpStatusCode.BadRequest, old.Status);
        var current = await _accounts.ProveAsync("MRN-100", second, "1990-05-17");
        Assert.Equal(HttpStatusCode.OK, current.Status);
    }

    [Theory]
    [InlineData(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.cruds")]
    [InlineData(SmartHarness.PatientUser, "openid fhirUser user/*.cruds")]
    [InlineData(SmartHarness.PractitionerUser, "openid fhirUser user/Patient.rs")]
    public async Task Patient_tokens_and_staff_without_write_access_get_403(string user, string scope)
    {
        var token = (string)(await _accounts.Smart.StandaloneAsync(user, scope))["access_token"]!;

        var (status, body) = await _accounts.IssueAsync("p1", token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_for_an_unknown_patient_404_OperationOutcome()
    {
        var anonymous = await _accounts.Smart.Client().PostAsync("fhir/Patient/ac1/$activation-code", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var (status, body) = await _accounts.IssueAsync("no-such-patient");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("OperationOutcome", (string?)body["resourceType"]);
        Assert.Equal("not-found", (string?)body["issue"]![0]!["code"]);
    }
}

/// <summary>The operation is declared in the CapabilityStatement and its OperationDefinition is served.</summary>
public sealed class ActivationCodeCapabilityTests
{
    [Fact]
    public async Task The_CapabilityStatement_declares_activation_code_on_Patient_backed_by_a_stored_OperationDefinition()
    {
        await using var host = new FhirPortalHost(settings: new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null });
        var client = host.CreateFhirClient();

        var metadata = JsonNode.Parse(await client.GetStringAsync("metadata"))!;
        var patient = metadata["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Patient")!;
        var operation = patient["operation"]!.AsArray().Single(o => (string?)o!["name"] == "activation-code")!;
        var canonical = (string)operation["definition"]!;
        Assert.Equal("http://fhirportal.org/fhir/OperationDefinition/Patient-activation-code", canonical);

        var found = JsonNode.Parse(await client.GetStringAsync($"OperationDefinition?url={Uri.EscapeDataString(canonical)}"))!;
        var definition = found["entry"]![0]!["resource"]!;
        Assert.Equal("activation-code", (string?)definition["code"]);
        Assert.True((bool)definition["instance"]!);
        Assert.Equal(["code", "expires"], definition["parameter"]!.AsArray().Select(p => (string)p!["name"]!).ToArray());
    }

    [Fact]
    public async Task The_stored_OperationDefinition_gets_no_new_version_on_restart()
    {
        var settings = new Dictionary<string, string?> { ["FhirPortal:ProfilesDirectory"] = null };
        string data;
        await using (var first = new FhirPortalHost(settings: settings) { KeepData = true })
        {
            data = first.DataDirectory;
            Assert.Equal(System.Net.HttpStatusCode.OK, (await first.CreateFhirClient().GetAsync("OperationDefinition/Patient-activation-code")).StatusCode);
        }
        await using var second = new FhirPortalHost(data, settings);
        var history = JsonNode.Parse(await second.CreateFhirClient().GetStringAsync("OperationDefinition/Patient-activation-code/_history"))!;
        Assert.Single(history["entry"]!.AsArray());
    }
}

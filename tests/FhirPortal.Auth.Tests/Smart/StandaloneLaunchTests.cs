using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>SMART standalone launch (App Launch 2.x, app-launch.html) and discovery, driven like a browser and an app would.</summary>
public sealed class StandaloneLaunchTests
{
    [Fact]
    public async Task Smart_configuration_lists_endpoints_S256_and_capabilities()
    {
        await using var smart = await SmartHarness.StartAsync();
        var response = await smart.Api.GetAsync("fhir/.well-known/smart-configuration");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("http://localhost/connect/authorize", (string?)body["authorization_endpoint"]);
        Assert.Equal("http://localhost/connect/token", (string?)body["token_endpoint"]);
        Assert.Equal(["S256"], body["code_challenge_methods_supported"]!.AsArray().Select(n => (string?)n));
        Assert.Contains("private_key_jwt", body["token_endpoint_auth_methods_supported"]!.AsArray().Select(n => (string?)n));
        Assert.Contains("launch-standalone", body["capabilities"]!.AsArray().Select(n => (string?)n));
        Assert.Contains("context-standalone-encounter", body["capabilities"]!.AsArray().Select(n => (string?)n));

        var openid = JsonNode.Parse(await smart.Api.GetStringAsync(".well-known/openid-configuration"))!;
        Assert.Equal("http://localhost/.well-known/jwks", (string?)openid["jwks_uri"]);
        var jwks = JsonNode.Parse(await smart.Api.GetStringAsync(".well-known/jwks"))!;
        Assert.NotEmpty(jwks["keys"]!.AsArray());
    }

    [Fact]
    public async Task Metadata_security_has_SMART_service_and_oauth_uris()
    {
        await using var smart = await SmartHarness.StartAsync();
        var metadata = JsonNode.Parse(await smart.Api.GetStringAsync("fhir/metadata"))!;
        var security = metadata["rest"]![0]!["security"]!;
        Assert.Equal("SMART-on-FHIR", (string?)security["service"]![0]!["coding"]![0]!["code"]);
        var oauth = security["extension"]!.AsArray().Single(e => (string?)e!["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")!;
        Assert.Contains(oauth["extension"]!.AsArray(), e => (string?)e!["url"] == "token" && (string?)e["valueUri"] == "http://localhost/connect/token");
    }

    [Fact]
    public async Task Patient_standalone_launch_gets_own_patient_scopes_fhirUser_and_refresh_token()
    {
        await using var smart = await SmartHarness.StartAsync();
        var token = await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/Observation.rs offline_access");

        Assert.Equal("Bearer", (string?)token["token_type"]);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, token["expires_in"]!.GetValueKind());
        Assert.Equal("p1", (string?)token["patient"]);
        Assert.True((bool?)token["need_patient_banner"]);
        Assert.NotNull((string?)token["smart_style_url"]);
        Assert.NotNull((string?)token["refresh_token"]);
        Assert.Equal(["fhirUser", "launch/patient", "offline_access", "openid", "patient/Observation.rs"],
            ((string)token["scope"]!).Split(' ').Order(StringComparer.Ordinal));

        var access = SmartHarness.Claims((string)token["access_token"]!);
        Assert.Equal(SmartHarness.Fhir, (string?)access["aud"]);
        Assert.Equal("p1", (string?)access["patient"]);
        Assert.Equal("http://localhost/fhir/Patient/p1", (string?)access["fhirUser"]);
        Assert.Equal(SmartHarness.PublicApp, (string?)access["client_id"]);
        var id = SmartHarness.Claims((string)token["id_token"]!);
        Assert.Equal("http://localhost/fhir/Patient/p1", (string?)id["fhirUser"]);
    }
}

using System.Text.Json.Nodes;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>SMART discovery agrees with OpenID Connect discovery and the tokens; capabilities the ONC test kit asks for.</summary>
public sealed class DiscoveryTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("http://localhost")]
    [InlineData("http://localhost/")]
    public async Task Issuer_is_identical_in_SMART_discovery_OpenID_discovery_and_the_id_token(string? configured)
    {
        await using var smart = await SmartHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Auth:Issuer"] = configured });
        var discovery = JsonNode.Parse(await smart.Api.GetStringAsync("fhir/.well-known/smart-configuration"))!;
        var openid = JsonNode.Parse(await smart.Api.GetStringAsync(".well-known/openid-configuration"))!;
        var token = await smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser patient/Observation.rs");
        var idToken = SmartHarness.Claims((string)token["id_token"]!);

        Assert.Equal((string?)openid["issuer"], (string?)discovery["issuer"]);
        Assert.Equal((string?)openid["issuer"], (string?)idToken["iss"]);
        Assert.Equal("http://localhost/connect/token", (string?)discovery["token_endpoint"]);
    }

    [Theory]
    [InlineData("context-passthrough-banner")]
    [InlineData("context-passthrough-style")]
    [InlineData("context-banner")]
    [InlineData("context-style")]
    public async Task Capabilities_list_the_banner_and_style_names_of_SMART_2_and_of_the_ONC_test_kit(string capability)
    {
        await using var smart = await SmartHarness.StartAsync();
        var discovery = JsonNode.Parse(await smart.Api.GetStringAsync("fhir/.well-known/smart-configuration"))!;
        Assert.Contains(capability, discovery["capabilities"]!.AsArray().Select(n => (string?)n));
    }
}

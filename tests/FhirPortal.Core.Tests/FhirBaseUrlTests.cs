using FhirPortal.Core;

namespace FhirPortal.Core.Tests;

/// <summary>The FHIR base URL rule shared by the FHIR API and the authorization server.</summary>
public sealed class FhirBaseUrlTests
{
    [Theory]
    [InlineData(null, "http", "localhost:5000", "", "http://localhost:5000/fhir")]
    [InlineData("", "https", "portal.example.org", "/app", "https://portal.example.org/app/fhir")]
    [InlineData("https://portal.example.org/fhir/", "http", "10.0.0.5:8080", "", "https://portal.example.org/fhir")]
    [InlineData("https://portal.example.org/r4", "http", "localhost", "/ignored", "https://portal.example.org/r4")]
    public void Base_is_the_configured_url_without_trailing_slash_else_the_request_host_and_path_base_plus_fhir(
        string? configured, string scheme, string host, string pathBase, string expected) =>
        Assert.Equal(expected, FhirBaseUrl.Of(configured, scheme, host, pathBase));

    [Theory]
    [InlineData("https://portal.example.org/fhir", true)]
    [InlineData("https://portal.example.org/fhir/", true)]
    [InlineData("https://portal.example.org/FHIR", false)]
    [InlineData("https://portal.example.org", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Aud_matches_the_base_ignoring_a_trailing_slash(string? aud, bool matches) =>
        Assert.Equal(matches, FhirBaseUrl.Matches(aud, "https://portal.example.org/fhir"));
}

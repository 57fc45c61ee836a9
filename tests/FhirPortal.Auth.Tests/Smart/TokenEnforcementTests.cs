using System.Net;
using System.Net.Http.Headers;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>
/// The whole chain with real tokens: a SMART launch against the built-in authorization server, then FHIR requests
/// carrying the access token, validated by OpenIddict behind the FhirBearer scheme and decided by Core.Access.
/// </summary>
public sealed class TokenEnforcementTests : IAsyncLifetime
{
    private SmartHarness _smart = null!;

    public async Task InitializeAsync() =>
        _smart = await SmartHarness.StartAsync(new Dictionary<string, string?> { ["FhirPortal:Security:Enabled"] = "true" });

    public async Task DisposeAsync() => await _smart.DisposeAsync();

    private HttpClient Fhir(string? accessToken)
    {
        var client = _smart.Client();
        client.DefaultRequestHeaders.Accept.ParseAdd("application/fhir+json");
        if (accessToken is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    [Fact]
    public async Task A_patient_launch_token_reads_its_own_record_and_nothing_of_another_patient()
    {
        var token = await _smart.StandaloneAsync(SmartHarness.PatientUser, "openid fhirUser launch/patient patient/*.rs");
        var fhir = Fhir((string)token["access_token"]!);

        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("fhir/Patient/p1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fhir.GetAsync("fhir/Patient/p2")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fhir.GetAsync("fhir/Observation/o2")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fhir.GetAsync("fhir/Patient/p2/$everything")).StatusCode);
        var search = await (await fhir.GetAsync("fhir/Observation")).Content.ReadAsStringAsync();
        Assert.Contains("\"o1\"", search);
        Assert.DoesNotContain("\"o2\"", search);
        // Read-only scopes: writing is 403, not 401 (the token is fine, the scope is missing).
        var write = await fhir.PutAsync("fhir/Observation/o1",
            new StringContent("""{"resourceType":"Observation","id":"o1","status":"amended","code":{"text":"glucose"},"subject":{"reference":"Patient/p1"}}""",
                System.Text.Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
    }

    [Fact]
    public async Task A_practitioner_token_from_the_patient_picker_reaches_every_patient_with_user_scopes()
    {
        var token = await _smart.StandaloneAsync(SmartHarness.PractitionerUser, "openid fhirUser launch/patient user/*.rs", pickPatient: "p2");
        Assert.Equal("p2", (string?)token["patient"]);
        var fhir = Fhir((string)token["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("fhir/Observation/o1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("fhir/Observation/o2")).StatusCode);
    }

    [Fact]
    public async Task A_token_is_refused_by_a_FHIR_base_it_was_not_issued_for()
    {
        var token = await _smart.StandaloneAsync(SmartHarness.PatientUser, "launch/patient patient/Patient.rs");
        var fhir = Fhir((string)token["access_token"]!);
        Assert.Equal(HttpStatusCode.OK, (await fhir.GetAsync("fhir/Patient/p1")).StatusCode);
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "fhir/Patient/p1");
        elsewhere.Headers.Host = "other-server.test";
        var response = await fhir.SendAsync(elsewhere);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task No_token_a_forged_token_and_a_revoked_token_get_401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Fhir(null).GetAsync("fhir/Patient/p1")).StatusCode);
        var forged = await Fhir("eyJhbGciOiJub25lIn0.eyJzY29wZSI6InN5c3RlbS8qLioifQ.").GetAsync("fhir/Patient/p1");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("invalid_token", forged.Headers.WwwAuthenticate.ToString());

        var token = await _smart.StandaloneAsync(SmartHarness.PatientUser, "launch/patient patient/Patient.rs");
        var access = (string)token["access_token"]!;
        Assert.Equal(HttpStatusCode.OK, (await Fhir(access).GetAsync("fhir/Patient/p1")).StatusCode);
        await _smart.PostFormAsync("connect/revoke", new Dictionary<string, string> { ["token"] = access, ["client_id"] = SmartHarness.PublicApp });
        Assert.Equal(HttpStatusCode.Unauthorized, (await Fhir(access).GetAsync("fhir/Patient/p1")).StatusCode);
    }

    [Theory]
    [InlineData("http://app.test", true)]
    [InlineData("http://elsewhere.test", false)]
    public async Task Browsers_may_call_the_FHIR_API_from_a_registered_clients_redirect_origin_only(string origin, bool allowed)
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "fhir/Patient/p1");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
        var response = await _smart.Client().SendAsync(preflight);
        Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
    }

    [Fact]
    public async Task Metadata_and_smart_discovery_need_no_token()
    {
        Assert.Equal(HttpStatusCode.OK, (await Fhir(null).GetAsync("fhir/metadata")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Fhir(null).GetAsync("fhir/.well-known/smart-configuration")).StatusCode);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace FhirPortal.Auth.Tests.Smart;

/// <summary>EHR launch (launch value bound to patient + encounter) and the practitioner's standalone launch with the patient picker.</summary>
public sealed class LaunchTests : IAsyncLifetime
{
    private SmartHarness _smart = null!;
    public async Task InitializeAsync() => _smart = await SmartHarness.StartAsync();
    public async Task DisposeAsync() => await _smart.DisposeAsync();

    private static async Task<string> CreateLaunchAsync(HttpClient browser, object body)
    {
        var response = await browser.PostAsJsonAsync("auth/launch", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(SmartHarness.Fhir, (string?)json["iss"]);
        return (string)json["launch"]!;
    }

    [Fact]
    public async Task EHR_launch_carries_patient_and_encounter_into_the_token_and_is_single_use()
    {
        var browser = await _smart.SignedInBrowserAsync(SmartHarness.PractitionerUser);
        var launch = await CreateLaunchAsync(browser, new { patient = "p2", encounter = "e1" });

        var (verifier, challenge) = SmartHarness.Pkce();
        var url = SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch openid fhirUser patient/*.rs user/Encounter.rs", challenge, launch: launch);
        var redirect = await SmartHarness.AuthorizeAsync(browser, url, SmartHarness.PractitionerUser);
        var (status, token, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect)["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("p2", (string?)token["patient"]);
        Assert.Equal("e1", (string?)token["encounter"]);
        Assert.False((bool?)token["need_patient_banner"]);
        var access = SmartHarness.Claims((string)token["access_token"]!);
        Assert.Equal("e1", (string?)access["encounter"]);
        Assert.Equal("http://localhost/fhir/Practitioner/dr1", (string?)access["fhirUser"]);

        var again = await browser.GetAsync(SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch patient/*.rs", challenge, launch: launch));
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal("invalid_request", SmartHarness.Query(again.Headers.Location!)["error"]);
    }

    [Fact]
    public async Task Unknown_launch_value_redirects_invalid_request()
    {
        var browser = await _smart.SignedInBrowserAsync(SmartHarness.PractitionerUser);
        var response = await browser.GetAsync(SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch patient/*.rs", SmartHarness.Pkce().Challenge, launch: "made-up"));
        Assert.Equal("invalid_request", SmartHarness.Query(response.Headers.Location!)["error"]);
    }

    [Fact]
    public async Task Launch_api_needs_a_signed_in_practitioner_and_an_existing_patient()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _smart.Client().PostAsJsonAsync("auth/launch", new { patient = "p1" })).StatusCode);
        var patient = await _smart.SignedInBrowserAsync(SmartHarness.PatientUser);
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.PostAsJsonAsync("auth/launch", new { patient = "p1" })).StatusCode);
        var doctor = await _smart.SignedInBrowserAsync(SmartHarness.PractitionerUser);
        Assert.Equal(HttpStatusCode.BadRequest, (await doctor.PostAsJsonAsync("auth/launch", new { patient = "nobody" })).StatusCode);
    }

    [Fact]
    public async Task Practitioner_standalone_launch_picks_a_patient_on_the_picker_page()
    {
        var browser = _smart.Client();
        var (verifier, challenge) = SmartHarness.Pkce();
        var page = await SmartHarness.SignInAsync(browser, SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch/patient openid fhirUser patient/*.rs", challenge), SmartHarness.PractitionerUser);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Choose a patient", html);
        Assert.Contains("Ada Lovelace", html);
        Assert.Contains("Alan Turing", html);

        var consent = await SmartHarness.SubmitAsync(page, browser, "pick", [], ("patient_choice", "p2"));
        Assert.Contains("Alan Turing", await consent.Content.ReadAsStringAsync());
        var redirect = await SmartHarness.SubmitAsync(consent, browser, "approve");
        var (status, token, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect.Headers.Location!)["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("p2", (string?)token["patient"]);
        Assert.True((bool?)token["need_patient_banner"]);
        Assert.Equal("http://localhost/fhir/Practitioner/dr1", (string?)SmartHarness.Claims((string)token["id_token"]!)["fhirUser"]);
    }

    [Fact]
    public async Task Standalone_launch_encounter_picks_one_of_the_patients_encounters()
    {
        var browser = _smart.Client();
        var (verifier, challenge) = SmartHarness.Pkce();
        var page = await SmartHarness.SignInAsync(browser, SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch/patient launch/encounter patient/*.rs", challenge), SmartHarness.PractitionerUser);
        var encounters = await SmartHarness.SubmitAsync(page, browser, "pick", [], ("patient_choice", "p2"));
        var html = await encounters.Content.ReadAsStringAsync();
        Assert.Contains("Choose an encounter", html);
        Assert.Contains("value=\"e1\"", html);

        // A value that is not one of this patient's encounters is not taken: the picker comes back.
        var forged = await SmartHarness.SubmitAsync(encounters, browser, "pick-encounter", [], ("encounter_choice", "not-an-encounter"));
        Assert.Contains("Choose an encounter", await forged.Content.ReadAsStringAsync());

        var consent = await SmartHarness.SubmitAsync(forged, browser, "pick-encounter", [], ("encounter_choice", "e1"));
        Assert.Contains("Alan Turing", await consent.Content.ReadAsStringAsync());
        var redirect = await SmartHarness.SubmitAsync(consent, browser, "approve");
        var (status, token, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect.Headers.Location!)["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("p2", (string?)token["patient"]);
        Assert.Equal("e1", (string?)token["encounter"]);
    }

    [Fact]
    public async Task Standalone_launch_encounter_may_continue_without_one()
    {
        // The patient user p1 has no encounters: the picker says so and offers to go on without one.
        var browser = _smart.Client();
        var (verifier, challenge) = SmartHarness.Pkce();
        var page = await SmartHarness.SignInAsync(browser, SmartHarness.AuthorizeUrl(SmartHarness.PublicApp, "launch/patient launch/encounter patient/*.rs", challenge), SmartHarness.PatientUser);
        Assert.Contains("no encounters", await page.Content.ReadAsStringAsync());
        var consent = await SmartHarness.SubmitAsync(page, browser, "pick-encounter", [], ("encounter_choice", "none"));
        var redirect = await SmartHarness.SubmitAsync(consent, browser, "approve");
        var (status, token, _) = await _smart.ExchangeAsync(SmartHarness.Query(redirect.Headers.Location!)["code"], verifier);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("p1", (string?)token["patient"]);
        Assert.Null(token["encounter"]);
    }
}

using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Audit;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>Who may manage a patient's share links, and that a link shows recipients no more than the token that made it could read.</summary>
public sealed class ShareLinkAccessTests(ShareLinkData data) : IClassFixture<ShareLinkData>
{
    public static TheoryData<string, string?, string?, bool> Creators => new()
    {
        // scopes, launch patient, fhirUser, whether the recipient's summary lists p1's Condition
        { "patient/*.rs", "p1", "http://localhost/fhir/Patient/p1", true },
        { "patient/Patient.rs", "p1", "http://localhost/fhir/Patient/p1", false },
        { "patient/Patient.rs patient/Condition.r", "p1", "http://localhost/fhir/Patient/p1", false },
        { "patient/Patient.rs patient/Condition.rs", "p1", "Patient/p1", true },
        { "user/*.rs", null, "http://localhost/fhir/Patient/p1", true },
        { "user/Patient.rs", null, "http://localhost/fhir/Patient/p1", false },
    };

    [Theory]
    [MemberData(nameof(Creators))]
    public async Task The_recipient_reads_no_more_than_the_creating_token(string scopes, string? patient, string? fhirUser, bool condition)
    {
        (await data.Host.SystemClient().PutAsync("Condition/share-c1", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Condition", ["id"] = "share-c1", ["code"] = new JsonObject { ["text"] = "asthma" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/p1" },
        }))).EnsureSuccessStatusCode();
        var creator = data.Host.Client(scopes, "portal-app", patient: patient, fhirUser: fhirUser);
        var created = await ShareLinkData.CreateAsync(creator, "p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var payload = ShareLinkData.Payload((string)(await created.ReadJsonAsync())["parameter"]![0]!["valueString"]!);

        var manifest = await (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "scope check" })).ReadJsonAsync();
        var bundle = ShareLinkData.Decrypt((string)manifest["files"]![0]!["embedded"]!, payload);
        var types = bundle["entry"]!.AsArray().Select(e => (string)e!["resource"]!["resourceType"]!).ToList();
        Assert.Contains("Patient", types);
        Assert.Equal(condition, types.Contains("Condition"));
    }

    public static TheoryData<string, string?, string?> NotThePatient => new()
    {
        // A practitioner's EHR-launch app with patient/ scopes is not the patient.
        { "patient/*.rs", "p1", "http://localhost/fhir/Practitioner/dr1" },
        // A patient app with no signed-in user.
        { "patient/*.rs", "p1", null },
        // Another patient's user, even launched on p1.
        { "patient/*.rs", "p1", "http://localhost/fhir/Patient/p2" },
        { "user/*.rs", null, "Patient/p2" },
        { "system/*.rs", null, null },
    };

    [Theory]
    [MemberData(nameof(NotThePatient))]
    public async Task Only_a_token_signed_in_as_the_patient_manages_links(string scopes, string? patient, string? fhirUser)
    {
        var client = data.Host.Client(scopes, "portal-app", patient: patient, fhirUser: fhirUser);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await ShareLinkData.CreateAsync(client, "p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Patient/p1/$share-links")).StatusCode);
        var revoke = await client.PostAsync("Patient/p1/$share-link-revoke", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Parameters", ["parameter"] = new JsonArray(new JsonObject { ["name"] = "id", ["valueString"] = "x" }),
        }));
        Assert.Equal(HttpStatusCode.Forbidden, revoke.StatusCode);
    }
}

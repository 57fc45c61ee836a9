using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.Core.Serialization;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Audit;
using FhirPortal.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;

namespace FhirPortal.Server.Tests.Sharing;

/// <summary>Share links (SMART Health Links) end to end: the patient creates, lists and revokes; a recipient without an account fetches and decrypts.</summary>
public sealed class ShareLinkTests(ShareLinkData data) : IClassFixture<ShareLinkData>
{
    [Fact]
    public async System.Threading.Tasks.Task Recipient_decrypts_the_patients_summary_and_the_patient_sees_the_access()
    {
        var created = await (await ShareLinkData.CreateAsync(data.PatientApp("p1"), "p1",
            ("expires", "valueInstant", data.In(TimeSpan.FromDays(7))), ("label", "valueString", "For Dr. Grey"))).ReadJsonAsync();
        var payload = ShareLinkData.Payload((string)created["parameter"]![0]!["valueString"]!);
        Assert.Equal("L", (string?)payload["flag"]);
        Assert.Equal("For Dr. Grey", (string?)payload["label"]);
        Assert.Equal(1, (int)payload["v"]!);
        Assert.Equal(data.Clock.GetUtcNow().AddDays(7).ToUnixTimeSeconds(), (long)payload["exp"]!);
        Assert.Matches("^http://localhost/shl/[A-Za-z0-9_-]{43}$", (string)payload["url"]!);

        var response = await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "Dr. Grey, Seattle Grace" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var file = (await response.ReadJsonAsync())["files"]![0]!;
        Assert.Equal("application/fhir+json;fhirVersion=4.0.1", (string?)file["contentType"]);
        var bundle = ShareLinkData.Decrypt((string)file["embedded"]!, payload);
        Assert.Equal("document", (string?)bundle["type"]);
        var composition = bundle["entry"]![0]!["resource"]!;
        Assert.Equal("Composition", (string?)composition["resourceType"]);
        Assert.Equal("Patient/p1", (string?)composition["subject"]!["reference"]);

        var audit = Assert.Single(await AuditHost.WaitForAsync(data.Host, "Dr. Grey, Seattle Grace"));
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, audit.Outcome);
        Assert.Equal(["Patient/p1"], AuditHost.Patients(audit));
        Assert.Contains(audit.Agent, a => a.Name == "smart-health-link");
        Assert.Contains(audit.Agent, a => a.Network?.Address == AuditHost.ClientAddress);
        var id = ShareLinkData.Links(created).Single()["id"];
        Assert.Equal($"shl/{id}/manifest", AuditHost.Query(audit));

        var own = await data.Host.Client("patient/AuditEvent.rs", "portal-app", patient: "p1")
            .GetAsync($"AuditEvent?agent-name={Uri.EscapeDataString("Dr. Grey, Seattle Grace")}");
        Assert.Single(((Bundle)FhirParser.ParseStored(await own.Content.ReadAsByteArrayAsync())).Entry);
        var others = await data.Host.Client("patient/AuditEvent.rs", "portal-app", patient: "p2")
            .GetAsync($"AuditEvent?agent-name={Uri.EscapeDataString("Dr. Grey, Seattle Grace")}");
        Assert.Empty(((Bundle)FhirParser.ParseStored(await others.Content.ReadAsByteArrayAsync())).Entry);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_file_too_long_to_embed_is_a_location_that_works_once()
    {
        var payload = await CreateAsync("p1", ("expires", "valueInstant", data.In(TimeSpan.FromHours(1))));
        var manifest = await (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "Clinic B", ["embeddedLengthMax"] = 10 })).ReadJsonAsync();
        var file = manifest["files"]![0]!;
        Assert.Null(file["embedded"]);
        var location = new Uri((string)file["location"]!).PathAndQuery;
        var recipient = data.Host.CreateClient();
        var first = await recipient.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("application/jose", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Patient/p1", (string?)ShareLinkData.Decrypt(await first.Content.ReadAsStringAsync(), payload)["entry"]![0]!["resource"]!["subject"]!["reference"]);
        Assert.Equal(HttpStatusCode.NotFound, (await recipient.GetAsync(location)).StatusCode);
        // The manifest and the one file download are two accesses; one flush may write them as one aggregated AuditEvent.
        var audits = await AuditHost.WaitForAsync(data.Host, "Clinic B", done: e => e.Sum(a => AuditHost.Queries(a).Count) >= 2);
        Assert.Equal(2, audits.Sum(a => AuditHost.Queries(a).Count));
    }

    [Fact]
    public async System.Threading.Tasks.Task Expired_and_revoked_links_answer_404_and_are_listed_so()
    {
        var patient = data.PatientApp("p1");
        var expiring = await CreateAsync("p1", ("expires", "valueInstant", data.In(TimeSpan.FromHours(1))), ("label", "valueString", "expiring"));
        var revoked = await ShareLinkData.CreateAsync(patient, "p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(2))), ("label", "valueString", "revoked"));
        var revokedJson = await revoked.ReadJsonAsync();
        var revokedPayload = ShareLinkData.Payload((string)revokedJson["parameter"]![0]!["valueString"]!);
        var revokedId = ShareLinkData.Links(revokedJson).Single()["id"];

        Assert.Equal(HttpStatusCode.OK, (await data.ManifestAsync(expiring, new JsonObject { ["recipient"] = "before" })).StatusCode);
        data.Clock.Advance(TimeSpan.FromHours(2));
        var expired = await data.ManifestAsync(expiring, new JsonObject { ["recipient"] = "after expiry" });
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await expired.ReadJsonAsync())["resourceType"]);

        var revoke = await patient.PostAsync("Patient/p1/$share-link-revoke", Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Parameters", ["parameter"] = new JsonArray(new JsonObject { ["name"] = "id", ["valueString"] = revokedId }),
        }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await data.ManifestAsync(revokedPayload, new JsonObject { ["recipient"] = "after revocation" })).StatusCode);

        var listed = ShareLinkData.Links(await (await patient.GetAsync("Patient/p1/$share-links")).ReadJsonAsync());
        Assert.Equal("expired", listed.Single(l => l.GetValueOrDefault("label") == "expiring")["status"]);
        Assert.Equal("1", listed.Single(l => l.GetValueOrDefault("label") == "expiring")["uses"]);
        Assert.Equal("revoked", listed.Single(l => l.GetValueOrDefault("label") == "revoked")["status"]);
        var refused = Assert.Single(await AuditHost.WaitForAsync(data.Host, "after expiry"));
        Assert.Equal(AuditEvent.AuditEventOutcome.N4, refused.Outcome);
    }

    [Fact]
    public async System.Threading.Tasks.Task Passcode_attempts_are_counted_down_then_the_link_stops()
    {
        var payload = await CreateAsync("p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))), ("passcode", "valueString", "4711"));
        Assert.Equal("LP", (string?)payload["flag"]);
        async Task<(HttpStatusCode, JsonNode)> Ask(string? passcode)
        {
            var request = new JsonObject { ["recipient"] = "passcode tester" };
            if (passcode is not null) request["passcode"] = passcode;
            var response = await data.ManifestAsync(payload, request);
            return (response.StatusCode, await response.ReadJsonAsync());
        }
        var (status, body) = await Ask("0000");
        Assert.Equal((HttpStatusCode.Unauthorized, 2), (status, (int)body["remainingAttempts"]!));
        (status, body) = await Ask(null);
        Assert.Equal((HttpStatusCode.Unauthorized, 1), (status, (int)body["remainingAttempts"]!));
        (status, body) = await Ask("4711");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotNull(body["files"]![0]!["embedded"]);
        (status, body) = await Ask("1234");
        Assert.Equal((HttpStatusCode.Unauthorized, 0), (status, (int)body["remainingAttempts"]!));
        (status, _) = await Ask("4711");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_single_use_link_answers_once()
    {
        var payload = await CreateAsync("p2", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))), ("maxUses", "valueInteger", 1));
        Assert.Null(payload["flag"]);
        Assert.Equal(HttpStatusCode.OK, (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "once" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "twice" })).StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_direct_link_answers_the_file_to_a_get()
    {
        var payload = await CreateAsync("p2", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))), ("direct", "valueBoolean", true));
        Assert.Equal("LU", (string?)payload["flag"]);
        var recipient = data.Host.CreateClient();
        var path = new Uri((string)payload["url"]!).PathAndQuery;
        var response = await recipient.GetAsync(path + "?recipient=" + Uri.EscapeDataString("Urgent care"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jose", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Patient/p2", (string?)ShareLinkData.Decrypt(await response.Content.ReadAsStringAsync(), payload)["entry"]![0]!["resource"]!["subject"]!["reference"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await recipient.GetAsync(path)).StatusCode);
        Assert.Single(await AuditHost.WaitForAsync(data.Host, "Urgent care"));

        var manifestOnly = await CreateAsync("p2", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))));
        Assert.Equal(HttpStatusCode.NotFound, (await recipient.GetAsync(new Uri((string)manifestOnly["url"]!).PathAndQuery + "?recipient=x")).StatusCode);
        var withPasscode = await ShareLinkData.CreateAsync(data.PatientApp("p2"), "p2", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))),
            ("direct", "valueBoolean", true), ("passcode", "valueString", "1234"));
        Assert.Equal(HttpStatusCode.BadRequest, withPasscode.StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task Only_the_patient_manages_their_links()
    {
        var expires = ("expires", "valueInstant", (JsonNode)data.In(TimeSpan.FromDays(1)));
        Assert.Equal(HttpStatusCode.Forbidden, (await ShareLinkData.CreateAsync(data.PatientApp("p2"), "p1", expires)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ShareLinkData.CreateAsync(data.Host.SystemClient(), "p1", expires)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await data.PatientApp("p2").GetAsync("Patient/p1/$share-links")).StatusCode);

        var created = await (await ShareLinkData.CreateAsync(data.PatientApp("p1"), "p1", expires)).ReadJsonAsync();
        var id = ShareLinkData.Links(created).Single()["id"];
        var revoke = Fhir.Body(new JsonObject
        {
            ["resourceType"] = "Parameters", ["parameter"] = new JsonArray(new JsonObject { ["name"] = "id", ["valueString"] = id }),
        });
        Assert.Equal(HttpStatusCode.Forbidden, (await data.PatientApp("p2").PostAsync("Patient/p1/$share-link-revoke", revoke)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await data.PatientApp("p2").PostAsync("Patient/p2/$share-link-revoke", revoke)).StatusCode);
        var listed = ShareLinkData.Links(await (await data.PatientApp("p1").GetAsync("Patient/p1/$share-links")).ReadJsonAsync());
        Assert.Equal("active", listed.Single(l => l["id"] == id)["status"]);
        Assert.DoesNotContain(ShareLinkData.Links(await (await data.PatientApp("p2").GetAsync("Patient/p2/$share-links")).ReadJsonAsync()),
            l => l["id"] == id);
    }

    public static TheoryData<string, string, object?> BadRequests => new()
    {
        { "no expiry", "label", "x" },
        { "expiry past", "expires", -1 },
        { "expiry beyond the maximum", "expires", 400 },
        { "long label", "label", new string('x', 81) },
        { "zero uses", "maxUses", 0 },
        { "unknown parameter", "scope", "everything" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async System.Threading.Tasks.Task Invalid_create_requests_are_400(string why, string name, object? value)
    {
        var parameters = new List<(string, string, JsonNode)>();
        if (name != "expires") parameters.Add(("expires", "valueInstant", data.In(TimeSpan.FromDays(1))));
        parameters.Add(value switch
        {
            int days when name == "expires" => (name, "valueInstant", data.In(TimeSpan.FromDays(days))),
            int number => (name, "valueInteger", number),
            _ => (name, "valueString", (string)value!),
        });
        if (why == "no expiry") parameters.RemoveAll(p => p.Item1 == "expires");
        var response = await ShareLinkData.CreateAsync(data.PatientApp("p1"), "p1", [.. parameters]);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await response.ReadJsonAsync())["resourceType"]);
    }

    [Fact]
    public async System.Threading.Tasks.Task Bad_manifest_requests_and_unknown_links_get_an_OperationOutcome()
    {
        var payload = await CreateAsync("p1", ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))));
        var recipient = data.Host.CreateClient();
        var path = new Uri((string)payload["url"]!).PathAndQuery;
        Assert.Equal(HttpStatusCode.BadRequest, (await data.ManifestAsync(payload, new JsonObject())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await recipient.PostAsync(path, new StringContent("not json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = 5 })).StatusCode);
        var twice = await recipient.PostAsync(path, new StringContent("{\"recipient\":\"a\",\"recipient\":\"b\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await twice.ReadJsonAsync())["resourceType"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await data.ManifestAsync(payload, new JsonObject { ["recipient"] = "x", ["embeddedLengthMax"] = 1.5 })).StatusCode);
        var unknown = await data.ManifestAsync(new JsonObject { ["url"] = "http://localhost/shl/" + new string('a', 43) }, new JsonObject { ["recipient"] = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("OperationOutcome", (string?)(await unknown.ReadJsonAsync())["resourceType"]);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_store_keeps_no_secret_of_a_link()
    {
        var created = await (await ShareLinkData.CreateAsync(data.PatientApp("p1"), "p1",
            ("expires", "valueInstant", data.In(TimeSpan.FromDays(1))), ("passcode", "valueString", "secret-passcode"))).ReadJsonAsync();
        var payload = ShareLinkData.Payload((string)created["parameter"]![0]!["valueString"]!);
        var token = ((string)payload["url"]!).Split('/')[^1];
        var jobs = await data.Host.Services.GetRequiredService<IResourceStore>().ListJobsAsync("share-link:p1", CancellationToken.None);
        var stored = jobs.Single(j => j.Id == ShareLinkData.Links(created).Single()["id"]).State;
        Assert.DoesNotContain(token, stored);
        Assert.DoesNotContain((string)payload["key"]!, stored);
        Assert.DoesNotContain("secret-passcode", stored);
        Assert.DoesNotContain(token, jobs.Select(j => j.Id));
    }

    private async Task<JsonObject> CreateAsync(string patient, params (string, string, JsonNode)[] parameters)
    {
        var response = await ShareLinkData.CreateAsync(data.PatientApp(patient), patient, parameters);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ShareLinkData.Payload((string)(await response.ReadJsonAsync())["parameter"]![0]!["valueString"]!);
    }
}

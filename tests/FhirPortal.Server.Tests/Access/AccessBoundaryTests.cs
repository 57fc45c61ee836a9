using System.Net;
using System.Text.Json.Nodes;

namespace FhirPortal.Server.Tests.Access;

/// <summary>Access rules beyond the matrix: granular grants, launch context, writes that move data, transactions, conditional criteria.</summary>
public sealed class AccessBoundaryTests(AccessData data) : IClassFixture<AccessData>
{
    private const string PatientV2 = "patient/Observation.cruds patient/Patient.rs";
    private static readonly string LabOnly = $"patient/Observation.rs?category={AccessData.Laboratory} patient/Patient.rs";

    [Fact]
    public async Task Granular_laboratory_grant_never_returns_vital_signs()
    {
        var client = data.Host.ClientWith(LabOnly, "p1");

        var search = await AccessData.EntryKeysAsync(await client.GetAsync("Observation?subject=Patient/p1"));
        Assert.Contains("Observation/own-lab", search);
        Assert.Contains("Observation/carrier", search);
        Assert.DoesNotContain("Observation/own-vital", search);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation/own-vital")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation/own-vital/_history/1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation/own-vital/_history")).StatusCode);
        foreach (var url in new[] { "?_type=Observation", "Observation/_history", "Patient/p1/Observation", "Observation?_id=own-vital,own-lab" })
        {
            var keys = await AccessData.EntryKeysAsync(await client.GetAsync(url));
            Assert.DoesNotContain("Observation/own-vital", keys);
            Assert.Contains("Observation/own-lab", keys);
        }
        // Reverse chaining cannot probe for vital signs either.
        Assert.Empty(await AccessData.EntryKeysAsync(await client.GetAsync("Patient?_has:Observation:subject:code=urn:test|own-vital")));
        Assert.Single(await AccessData.EntryKeysAsync(await client.GetAsync("Patient?_has:Observation:subject:code=urn:test|own-lab")));
    }

    [Fact]
    public async Task Two_granular_grants_of_one_type_are_ORed()
    {
        var vital = AccessData.Laboratory.Replace("laboratory", "vital-signs");
        var client = data.Host.ClientWith($"patient/Observation.rs?category={AccessData.Laboratory} patient/Observation.rs?category={vital}", "p1");
        var keys = await AccessData.EntryKeysAsync(await client.GetAsync("Observation?_count=100"));
        Assert.Contains("Observation/own-lab", keys);
        Assert.Contains("Observation/own-vital", keys);
        Assert.DoesNotContain("Observation/other-lab", keys);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Observation/own-vital")).StatusCode);
    }

    [Fact]
    public async Task Patient_scope_reads_its_own_Patient_only()
    {
        var client = data.Host.ClientWith("patient/Patient.read", "p1");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/p1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Patient/p2")).StatusCode);
        Assert.Equal(["Patient/p1"], await AccessData.EntryKeysAsync(await client.GetAsync("Patient")));
    }

    [Fact]
    public async Task User_scopes_of_a_patient_user_reach_only_that_patients_record()
    {
        var patientUser = data.Host.ClientWith("user/*.read", fhirUser: "https://portal.example.org/fhir/Patient/p1");
        Assert.Equal(HttpStatusCode.OK, (await patientUser.GetAsync("Observation/own-lab")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await patientUser.GetAsync("Observation/other-lab")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await patientUser.GetAsync("Practitioner/pr1")).StatusCode);

        var practitioner = data.Host.ClientWith("user/*.read", fhirUser: "Practitioner/pr1");
        Assert.Equal(HttpStatusCode.OK, (await practitioner.GetAsync("Observation/other-lab")).StatusCode);
    }

    [Fact]
    public async Task Patch_cannot_touch_or_move_records_outside_the_compartment()
    {
        await AccessData.PutAsync(data.Host.SystemClient(), AccessData.Observation("patch-me", "p1", "laboratory"));
        var client = data.Host.ClientWith(PatientV2, "p1");
        const string move = """[{"op":"replace","path":"/subject/reference","value":"Patient/p2"}]""";
        const string status = """[{"op":"replace","path":"/status","value":"amended"}]""";
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PatchAsync("Observation/other-lab", Fhir.Body(status, "application/json-patch+json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PatchAsync("Observation/patch-me", Fhir.Body(move, "application/json-patch+json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync("Observation/patch-me", Fhir.Body(status, "application/json-patch+json"))).StatusCode);
    }

    [Fact]
    public async Task Batch_checks_each_entry_on_its_own()
    {
        var client = data.Host.ClientWith(PatientV2, "p1");
        var own = AccessData.Observation("b", "p1", "laboratory");
        own.Remove("id");
        var other = AccessData.Observation("b", "p2", "laboratory");
        other.Remove("id");
        var batch = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "batch",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = own, ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" } },
                new JsonObject { ["resource"] = other, ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" } },
                new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "Observation?code=urn:test|other-lab" } }),
        };
        var response = await client.PostAsync("", Fhir.Body(batch));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entries = (await response.ReadJsonAsync())["entry"]!.AsArray();
        Assert.StartsWith("201", (string?)entries[0]!["response"]!["status"]);
        Assert.StartsWith("403", (string?)entries[1]!["response"]!["status"]);
        Assert.StartsWith("200", (string?)entries[2]!["response"]!["status"]);
        Assert.Empty(entries[2]!["resource"]!["entry"]?.AsArray() ?? []);
    }

    [Fact]
    public async Task Patient_scopes_without_a_launch_patient_grant_nothing()
    {
        var client = data.Host.ClientWith("patient/*.read");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Patient/p1")).StatusCode);
    }

    [Fact]
    public async Task System_search_without_type_returns_only_what_the_scopes_allow()
    {
        var keys = await AccessData.EntryKeysAsync(await data.Host.ClientWith("patient/*.read", "p1").GetAsync("?_count=1000"));
        Assert.Contains("Observation/own-lab", keys);
        Assert.Contains("Patient/p1", keys);
        Assert.Contains("Practitioner/pr1", keys);
        Assert.DoesNotContain("Observation/other-lab", keys);
        Assert.DoesNotContain("Patient/p2", keys);

        var named = await data.Host.ClientWith("patient/Observation.rs", "p1").GetAsync("?_type=Observation,Practitioner");
        Assert.Equal(HttpStatusCode.Forbidden, named.StatusCode);
    }

    [Fact]
    public async Task Type_and_system_history_hide_other_patients_versions()
    {
        var client = data.Host.ClientWith("patient/*.read", "p1");
        foreach (var url in new[] { "Observation/_history?_count=1000", "_history?_count=1000" })
        {
            var keys = await AccessData.EntryKeysAsync(await client.GetAsync(url));
            Assert.Contains("Observation/own-lab", keys);
            Assert.DoesNotContain("Observation/other-lab", keys);
            Assert.DoesNotContain("Patient/p2", keys);
        }
    }

    [Fact]
    public async Task Deleted_resource_of_another_patient_is_403_not_410()
    {
        var system = data.Host.SystemClient();
        await AccessData.PutAsync(system, AccessData.Observation("gone-other", "p2", "laboratory"));
        await AccessData.PutAsync(system, AccessData.Observation("gone-own", "p1", "laboratory"));
        await system.DeleteAsync("Observation/gone-other");
        await system.DeleteAsync("Observation/gone-own");

        var client = data.Host.ClientWith("patient/*.read", "p1");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation/gone-other")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await client.GetAsync("Observation/gone-own")).StatusCode);
    }

    [Fact]
    public async Task Update_that_moves_a_resource_to_another_patient_is_403()
    {
        var system = data.Host.SystemClient();
        await AccessData.PutAsync(system, AccessData.Observation("move-me", "p1", "laboratory"));
        var client = data.Host.ClientWith(PatientV2, "p1");

        var moved = AccessData.Observation("move-me", "p2", "laboratory");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync("Observation/move-me", Fhir.Body(moved))).StatusCode);
        var shared = AccessData.Observation("move-me", "p1", "laboratory");
        shared["performer"] = new JsonArray(AccessData.Ref("Patient/p2"));
        // In p1's compartment and p2's (performer): a patient's app may not write into another record.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsync("Observation/move-me", Fhir.Body(shared))).StatusCode);
        Assert.Equal("Patient/p1", (string?)(await (await system.GetAsync("Observation/move-me")).ReadJsonAsync())["subject"]!["reference"]);
    }

    [Fact]
    public async Task Transaction_with_one_forbidden_entry_writes_nothing()
    {
        var client = data.Host.ClientWith(PatientV2, "p1");
        var marker = "tx-" + Guid.NewGuid().ToString("N");
        var own = AccessData.Observation(marker, "p1", "laboratory");
        own.Remove("id");
        var other = AccessData.Observation(marker, "p2", "laboratory");
        other.Remove("id");
        var transaction = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = own, ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" } },
                new JsonObject { ["resource"] = other, ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" } }),
        };
        var response = await client.PostAsync("", Fhir.Body(transaction));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(await AccessData.EntryKeysAsync(await data.Host.SystemClient().GetAsync($"Observation?code=urn:test|{marker}")));
    }

    [Fact]
    public async Task Transaction_with_a_read_the_token_cannot_make_writes_nothing()
    {
        var client = data.Host.ClientWith(PatientV2, "p1");
        var marker = "txr-" + Guid.NewGuid().ToString("N");
        var own = AccessData.Observation(marker, "p1", "laboratory");
        own.Remove("id");
        var transaction = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = own, ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" } },
                new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = "Practitioner/pr1" } }),
        };
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("", Fhir.Body(transaction))).StatusCode);
        Assert.Empty(await AccessData.EntryKeysAsync(await data.Host.SystemClient().GetAsync($"Observation?code=urn:test|{marker}")));
    }

    [Fact]
    public async Task Conditional_create_does_not_match_another_patients_resource()
    {
        var client = data.Host.ClientWith(PatientV2, "p1");
        var body = AccessData.Observation("ignored", "p1", "laboratory");
        body.Remove("id");
        var response = await client.SendAsync(HttpMethod.Post, "Observation", Fhir.Body(body), ("If-None-Exist", "code=urn:test|other-lab"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain("other-lab", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Conditional_delete_cannot_reach_another_patients_resource()
    {
        var client = data.Host.ClientWith(PatientV2, "p1");
        var response = await client.DeleteAsync("Observation?code=urn:test|other-lab");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await data.Host.SystemClient().GetAsync("Observation/other-lab")).StatusCode);
    }

    [Fact]
    public async Task List_parameter_needs_read_access_to_the_List()
    {
        var system = data.Host.SystemClient();
        foreach (var (id, patient) in new[] { ("list-own", "p1"), ("list-other", "p2") })
            await AccessData.PutAsync(system, new JsonObject
            {
                ["resourceType"] = "List", ["id"] = id, ["status"] = "current", ["mode"] = "working",
                ["subject"] = AccessData.Ref($"Patient/{patient}"),
                ["entry"] = new JsonArray(new JsonObject { ["item"] = AccessData.Ref("Observation/own-lab") }),
            });
        var client = data.Host.ClientWith("patient/*.read", "p1");
        Assert.Equal(["Observation/own-lab"], await AccessData.EntryKeysAsync(await client.GetAsync("Observation?_list=list-own")));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("Observation?_list=list-other")).StatusCode);
    }

    [Theory]
    [InlineData("patient/*.*", "p1", HttpStatusCode.Forbidden)]
    [InlineData("user/*.*", null, HttpStatusCode.Forbidden)]
    [InlineData("system/*.rs", null, HttpStatusCode.Forbidden)]
    [InlineData("system/*.cruds", null, HttpStatusCode.Accepted)]
    public async Task Reindex_needs_a_system_scope_that_may_update(string scopes, string? patient, HttpStatusCode expected)
    {
        var response = await data.Host.ClientWith(scopes, patient).PostAsync("$reindex", null);
        Assert.Equal(expected, response.StatusCode);
    }
}

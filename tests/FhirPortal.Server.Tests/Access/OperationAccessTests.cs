using System.Net;
using FhirPortal.Server.Tests.Operations;

namespace FhirPortal.Server.Tests.Access;

/// <summary>
/// $everything and $export read data on the caller's behalf: the same scopes and launch context that narrow a search
/// narrow them (see <see cref="AccessData"/> for the seeded records of p1 and p2).
/// </summary>
public sealed class OperationAccessTests(AccessData data) : IClassFixture<AccessData>
{
    private const string GranularLab = "patient/Patient.rs patient/Observation.rs?category=" + AccessData.Laboratory;

    [Theory]
    [InlineData("patient/*.rs", "p1", "Patient/p2/$everything")]
    [InlineData("patient/*.read", "p1", "Patient/p2/$everything")]
    [InlineData("patient/*.rs", "p1", "Patient/$export?patient=Patient/p2")]
    public async Task A_patient_token_cannot_reach_another_patients_record(string scopes, string patient, string url)
    {
        var client = data.Host.ClientWith(scopes, patient);
        var response = url.Contains("$export") ? await BulkClient.KickOffAsync(client, url) : await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("patient/*.rs", "GET", "Patient/p2/$meta", HttpStatusCode.Forbidden)]
    [InlineData("patient/*.rs", "GET", "Patient/p1/$meta", HttpStatusCode.OK)]
    [InlineData("patient/Patient.r", "GET", "Patient/$meta", HttpStatusCode.Forbidden)]
    [InlineData("patient/Patient.r", "GET", "$meta", HttpStatusCode.Forbidden)]
    [InlineData("patient/Patient.rs", "GET", "Patient/$meta", HttpStatusCode.OK)]
    [InlineData("patient/*.rs", "POST", "Patient/p1/$meta-add", HttpStatusCode.Forbidden)]
    [InlineData("patient/*.rs", "POST", "Patient/p1/$meta-delete", HttpStatusCode.Forbidden)]
    [InlineData("patient/*.rus", "POST", "Patient/p2/$meta-add", HttpStatusCode.Forbidden)]
    public async Task Meta_needs_read_or_search_access_and_meta_add_or_delete_needs_update_access(string scopes, string method, string url, HttpStatusCode status)
    {
        var client = data.Host.ClientWith(scopes, "p1");
        var body = method == "POST" ? Fhir.Body("""{"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"system":"urn:t","code":"x"}]}}]}""") : null;
        var response = await client.SendAsync(new HttpMethod(method), url, body);
        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task Everything_for_the_launch_patient_holds_only_that_patients_record_and_referenced_shared_resources()
    {
        var response = await data.Host.ClientWith("patient/*.rs", "p1").GetAsync("Patient/p1/$everything?_count=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var keys = await AccessData.EntryKeysAsync(response);
        Assert.Equal(["Observation/carrier", "Observation/own-lab", "Observation/own-vital", "Patient/p1", "Practitioner/pr1"], keys.Order());
    }

    [Fact]
    public async Task Type_level_everything_with_a_patient_token_covers_only_the_launch_patient()
    {
        var keys = await AccessData.EntryKeysAsync(await data.Host.ClientWith("patient/*.rs", "p1").GetAsync("Patient/$everything?_count=100"));
        Assert.Contains("Patient/p1", keys);
        Assert.DoesNotContain("Patient/p2", keys);
        Assert.DoesNotContain("Observation/other-lab", keys);
    }

    [Fact]
    public async Task Everything_with_a_granular_laboratory_grant_has_no_vital_signs()
    {
        var keys = await AccessData.EntryKeysAsync(await data.Host.ClientWith(GranularLab, "p1").GetAsync("Patient/p1/$everything?_count=100"));
        Assert.Equal(["Observation/carrier", "Observation/own-lab", "Patient/p1"], keys.Order());
    }

    [Fact]
    public async Task A_practitioner_user_token_runs_everything_for_any_patient()
    {
        var keys = await AccessData.EntryKeysAsync(
            await data.Host.ClientWith("user/*.rs", fhirUser: "Practitioner/pr1").GetAsync("Patient/p2/$everything?_count=100"));
        Assert.Equal(["Observation/other-lab", "Patient/p2", "Practitioner/pr1"], keys.Order());
    }

    [Fact]
    public async Task A_granular_patient_export_holds_only_the_granted_category_of_the_launch_patient()
    {
        var client = data.Host.ClientWith(GranularLab, "p1");
        var manifest = await BulkClient.WaitAsync(client, await BulkClient.StartAsync(client, "Patient/$export"));
        var exported = await BulkClient.ReadOutputAsync(client, manifest);
        Assert.Equal(["Observation", "Patient"], exported.Keys.Order());
        Assert.Equal(["carrier", "own-lab"], exported["Observation"].Select(r => r.GetProperty("id").GetString()!).Order());
        Assert.Equal(["p1"], exported["Patient"].Select(r => r.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task A_system_export_with_a_narrow_system_scope_exports_only_that_type()
    {
        var client = data.Host.ClientWith("system/Observation.rs");
        var manifest = await BulkClient.WaitAsync(client, await BulkClient.StartAsync(client, "$export"));
        var exported = await BulkClient.ReadOutputAsync(client, manifest);
        Assert.Equal(["Observation"], exported.Keys);
        Assert.Equal(4, exported["Observation"].Count);
    }

    [Fact]
    public async Task An_export_of_a_type_the_token_cannot_read_reports_it_in_the_error_file()
    {
        var client = data.Host.ClientWith("system/Observation.rs");
        var manifest = await BulkClient.WaitAsync(client, await BulkClient.StartAsync(client, "$export?_type=Observation,Practitioner"));
        var errors = manifest.GetProperty("error").EnumerateArray().Select(e => e.GetProperty("url").GetString()!).ToList();
        var error = Assert.Single(errors);
        Assert.Contains("Practitioner is not exported", await client.GetStringAsync(error));
    }

    [Fact]
    public async Task A_token_without_any_search_scope_cannot_start_an_export()
    {
        var response = await BulkClient.KickOffAsync(data.Host.ClientWith("openid fhirUser"), "$export");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

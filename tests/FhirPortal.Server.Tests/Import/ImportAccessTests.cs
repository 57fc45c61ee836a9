using System.Net;
using FhirPortal.Server.Tests.Access;
using FhirPortal.Server.Tests.Audit;
using FhirPortal.Server.Tests.Operations;

namespace FhirPortal.Server.Tests.Import;

/// <summary>$import is for backend systems that may write every type; its kick-off is in the access audit.</summary>
public sealed class ImportAccessTests
{
    private const string Patient = """{"resourceType":"Patient","id":"imported","name":[{"family":"Imported"}]}""";

    [Theory]
    [InlineData("patient/*.cruds", "p1", HttpStatusCode.Forbidden)]
    [InlineData("user/*.cruds", null, HttpStatusCode.Forbidden)]
    [InlineData("system/*.rs", null, HttpStatusCode.Forbidden)]
    [InlineData("system/Patient.cud", null, HttpStatusCode.Forbidden)]
    [InlineData("system/*.cud", null, HttpStatusCode.Accepted)]
    [InlineData("system/*.write", null, HttpStatusCode.Accepted)]
    public async Task Import_needs_a_system_scope_that_may_write_every_type(string scopes, string? patient, HttpStatusCode expected)
    {
        using var host = AccessHost.Create();
        var file = ImportClient.WriteFile(host, "patients.ndjson", Patient);

        var response = await ImportClient.KickOffAsync(host.ClientWith(scopes, patient), ImportClient.Manifest(("Patient", file)));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("OperationOutcome", (string)(await response.ReadJsonAsync())["resourceType"]!);
    }

    [Fact]
    public async Task The_kick_off_is_recorded_and_only_the_starting_client_sees_the_job()
    {
        using var host = AuditHost.Create();
        var app = "importer-" + Guid.NewGuid().ToString("N");
        var client = host.Client("system/*.cruds", app);
        var file = ImportClient.WriteFile(host, "patients.ndjson", Patient);

        var status = await BulkClient.StartAsync(client, "$import", ImportClient.Manifest(("Patient", file)));
        var result = await BulkClient.WaitAsync(client, status);

        Assert.Equal(1, ImportClient.Counts(result)["Patient"]);
        var audits = await AuditHost.WaitForAsync(host, app, 1, "&subtype=operation");
        Assert.Single(audits, a => AuditHost.Query(a)!.Contains("$import", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Client("system/*.cruds", "another-app").GetAsync(status)).StatusCode);
    }
}

using System.Net;
using FhirPortal.Server.Tests.DataGen;
using FhirPortal.Server.Tests.Validation;

namespace FhirPortal.Server.Tests.Import;

/// <summary>$import of NDJSON files under the import folder: generated data as is, rejected lines, validation off.</summary>
public sealed class ImportJobTests
{
    private const string Observation = """{"resourceType":"Observation","id":"{0}","status":"final","code":{"text":"weight"}}""";

    [Fact]
    public async Task Generated_ndjson_imports_with_its_ids_readable_and_searchable_under_the_production_profiles()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var inputs = ImportClient.Generated(host, GeneratorOutputTests.Small(seed: 11, patients: 3));

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(inputs));

        var errors = await ImportClient.ErrorsAsync(client, result);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(ImportClient.Diagnostics)));
        var counts = ImportClient.Counts(result);
        foreach (var (type, url) in inputs)
        {
            var lines = File.ReadLines(new Uri(url).LocalPath).Count(l => l.Length > 0);
            Assert.True(lines == counts[type], $"{type}: {counts[type]} of {lines}");
            // Write rules may add resources of their own (an inbox Task, a booking's AuditEvent), never lose one.
            Assert.True(await GeneratedDataLoadTests.CountAsync(client, type) >= lines, type);
        }
        // Ids are the files' own: the fixed-id patient, and every generated Observation under its id.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Patient/demo-patient")).StatusCode);
        var firstObservation = File.ReadLines(new Uri(inputs.Single(i => i.Type == "Observation").Url).LocalPath).First();
        var id = System.Text.Json.JsonDocument.Parse(firstObservation).RootElement.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"Observation/{id}")).StatusCode);
        // Indexed like any write: searches by reference and token find the imported records.
        Assert.True(await GeneratedDataLoadTests.CountAsync(client, "Observation?patient=demo-patient&category=laboratory") > 0);
        Assert.Equal(1, await GeneratedDataLoadTests.CountAsync(client, "Patient?identifier=http://fhirportal.org/fhir/sid/mrn|11-0000002"));
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","id":"broken",""", "not valid JSON")]
    [InlineData("""{"resourceType":"Foo","id":"x"}""", "Foo")]
    [InlineData("""{"resourceType":"Patient","id":"x"}""", "this input's type is Observation")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"no id"}}""", "needs its id")]
    [InlineData("""{"resourceType":"Observation","id":"vs","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},"status":"final","code":{"text":"x"}}""", "Missing required member: 'subject'")]
    public async Task A_rejected_line_is_reported_with_its_input_and_line_number_while_the_other_lines_import(string bad, string reason)
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        var file = ImportClient.WriteFile(host, "obs.ndjson", Observation.Replace("{0}", "o1"), "", bad, Observation.Replace("{0}", "o2"));

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("Observation", file)));

        var errors = await ImportClient.ErrorsAsync(client, result);
        Assert.True(errors.Count == 1, string.Join("\n", errors.Select(ImportClient.Diagnostics)));
        Assert.Equal(2, ImportClient.Counts(result)["Observation"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Observation/o2")).StatusCode);
        var error = errors[0];
        Assert.Equal("OperationOutcome", error.GetProperty("resourceType").GetString());
        var diagnostics = ImportClient.Diagnostics(error);
        Assert.Contains("obs.ndjson line 3:", diagnostics, StringComparison.Ordinal);
        Assert.True(diagnostics.Contains(reason, StringComparison.Ordinal), diagnostics);
    }

    [Fact]
    public async Task With_validation_off_a_line_failing_its_profile_imports()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        var file = ImportClient.WriteFile(host, "vs.ndjson",
            """{"resourceType":"Observation","id":"vs","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},"status":"final","code":{"text":"x"}}""");

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest([("Observation", file)], validate: false));

        var errors = await ImportClient.ErrorsAsync(client, result);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(ImportClient.Diagnostics)));
        Assert.Equal(1, ImportClient.Counts(result)["Observation"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("Observation/vs")).StatusCode);
    }

    [Fact]
    public async Task A_profile_whose_base_was_imported_in_the_batch_before_it_imports_although_the_batches_are_checked_ahead()
    {
        // One line per batch: the derived profile is parsed and checked while its base commits, so its check must run again.
        using var host = new FhirPortalHost(settings: ValidationHosts.Production(("FhirPortal:Import:BatchSize", "1")));
        var client = host.CreateFhirClient();
        var file = ImportClient.WriteFile(host, "profiles.ndjson",
            Profile("a", "http://hl7.org/fhir/StructureDefinition/Device", "Device.status"),
            Profile("b", "http://example.org/StructureDefinition/a", "Device.manufacturer"));

        var result = await ImportClient.RunAsync(client, ImportClient.Manifest(("StructureDefinition", file)));

        Assert.Empty((await ImportClient.ErrorsAsync(client, result)).Select(ImportClient.Diagnostics));
        Assert.Equal(2, ImportClient.Counts(result)["StructureDefinition"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("StructureDefinition/b")).StatusCode);
    }

    private static string Profile(string id, string baseDefinition, string path) =>
        $$$"""{"resourceType":"StructureDefinition","id":"{{{id}}}","url":"http://example.org/StructureDefinition/{{{id}}}","name":"P{{{id}}}","status":"active","kind":"resource","abstract":false,"type":"Device","baseDefinition":"{{{baseDefinition}}}","derivation":"constraint","differential":{"element":[{"id":"{{{path}}}","path":"{{{path}}}","min":1}]}}""";

    [Fact]
    public async Task Importing_a_file_again_updates_the_same_resources()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        var file = ImportClient.WriteFile(host, "obs.ndjson", Observation.Replace("{0}", "o1"), Observation.Replace("{0}", "o2"));

        await ImportClient.RunAsync(client, ImportClient.Manifest(("Observation", file)));
        await ImportClient.RunAsync(client, ImportClient.Manifest(("Observation", file)));

        Assert.Equal(2, await GeneratedDataLoadTests.CountAsync(client, "Observation"));
        var read = await (await client.GetAsync("Observation/o1")).ReadJsonAsync();
        Assert.Equal("2", (string)read["meta"]!["versionId"]!);
    }

    [Theory]
    [InlineData("file:///etc/hostname")]
    [InlineData("/etc/hostname")]
    [InlineData("../outside.ndjson")]
    [InlineData("missing.ndjson")]
    [InlineData("ftp://example.org/obs.ndjson")]
    [InlineData("https://example.org/obs.ndjson")]
    public async Task An_input_outside_the_import_folder_or_the_allowed_hosts_is_a_400(string url)
    {
        using var host = new FhirPortalHost();
        ImportClient.Root(host);
        File.WriteAllText(Path.Combine(host.DataDirectory, "outside.ndjson"), Observation.Replace("{0}", "o1"));

        var response = await ImportClient.KickOffAsync(host.CreateFhirClient(), ImportClient.Manifest(("Observation", url)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationOutcome", (string)(await response.ReadJsonAsync())["resourceType"]!);
    }

    [Theory]
    [InlineData("application/fhir+json", "Observation")]
    [InlineData("application/fhir+ndjson", "NotAType")]
    public async Task A_kick_off_with_an_unsupported_format_or_type_is_a_400(string format, string type)
    {
        using var host = new FhirPortalHost();
        var file = ImportClient.WriteFile(host, "obs.ndjson", Observation.Replace("{0}", "o1"));

        var response = await ImportClient.KickOffAsync(host.CreateFhirClient(), ImportClient.Manifest([(type, file)], null, format));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_kick_off_without_respond_async_is_a_400_and_the_operation_is_in_the_capability_statement()
    {
        using var host = new FhirPortalHost();
        var client = host.CreateFhirClient();
        var file = ImportClient.WriteFile(host, "obs.ndjson", Observation.Replace("{0}", "o1"));

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("$import", ImportClient.Manifest(("Observation", file)))).StatusCode);

        var metadata = await (await client.GetAsync("metadata")).ReadJsonAsync();
        var operations = metadata["rest"]![0]!["operation"]!.AsArray();
        Assert.Contains(operations, o => (string)o!["name"]! == "import" && ((string)o["definition"]!).EndsWith("/OperationDefinition/import", StringComparison.Ordinal));
    }
}

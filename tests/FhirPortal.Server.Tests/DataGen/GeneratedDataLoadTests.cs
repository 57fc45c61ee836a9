using System.Net;
using System.Text.Json.Nodes;
using FhirPortal.DataGen.Generation;
using FhirPortal.DataGen.Output;
using FhirPortal.Server.Tests.Validation;
using Hl7.Fhir.Model;

namespace FhirPortal.Server.Tests.DataGen;

/// <summary>Generated transactions load into a server that enforces profiles/ (validated on the R4 core package).</summary>
public sealed class GeneratedDataLoadTests
{
    [Fact]
    public async Task Generated_bundles_load_into_a_server_requiring_the_portal_profiles()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var options = GeneratorOutputTests.Small(seed: 11, patients: 3);

        await PostAsync(client, TransactionBundles.Shared(options));
        var resources = 0;
        foreach (var record in new PatientGenerator(options).All())
            resources += await PostAsync(client, TransactionBundles.Patient(record));

        Assert.True(resources > 150, $"{resources} resources");
        Assert.Equal(3, await CountAsync(client, "Patient"));
        Assert.Equal(1, await CountAsync(client, "Patient?identifier=http://fhirportal.org/fhir/sid/mrn|11-0000002"));
        // The fixed-id patient's record arrived with its references rewritten to it.
        Assert.True(await CountAsync(client, "Observation?patient=demo-patient&category=laboratory") > 0);
        Assert.True(await CountAsync(client, "DiagnosticReport?patient=demo-patient") > 0);
        Assert.True(await CountAsync(client, "Observation?patient=demo-patient&code=http://loinc.org|85354-9") > 0);
        foreach (var status in new[] { "fulfilled", "booked", "cancelled" })
            Assert.True(await CountAsync(client, $"Appointment?patient=demo-patient&status={status}") > 0, status);
        Assert.True(await CountAsync(client, "Slot?status=free") > 0);
        Assert.True(await CountAsync(client, "Slot?status=busy") > 0);
        Assert.True(await CountAsync(client, "Communication?subject=Patient/demo-patient") > 0);
        Assert.True(await CountAsync(client, "MedicationDispense?subject=Patient/demo-patient") + await CountAsync(client, "MedicationDispense") > 0);
        Assert.Equal(3, await CountAsync(client, "Coverage?policy-holder=Organization/dg-employer-1"));
        Assert.True(await CountAsync(client, "ExplanationOfBenefit?patient=demo-patient") > 0);

        // A reply names the message it answers, and that one exists on the server.
        var replies = await (await client.GetAsync("Communication?subject=Patient/demo-patient&_count=100")).ReadJsonAsync();
        var reply = replies["entry"]!.AsArray().Select(e => e!["resource"]!).First(r => r["inResponseTo"] is not null);
        var answered = (string)reply["inResponseTo"]![0]!["reference"]!;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(answered)).StatusCode);
    }

    [Fact]
    public async Task Loading_the_shared_bundle_twice_updates_instead_of_duplicating()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var client = host.CreateFhirClient();
        var options = GeneratorOutputTests.Small();
        await PostAsync(client, TransactionBundles.Shared(options));
        var practitioners = await CountAsync(client, "Practitioner");
        await PostAsync(client, TransactionBundles.Shared(options));
        Assert.Equal(practitioners, await CountAsync(client, "Practitioner"));
        Assert.Equal(2, await CountAsync(client, "Organization?type=prov&name=Springfield") + await CountAsync(client, "Organization?type=bus"));
    }

    [Fact]
    public async Task Poster_sends_every_generated_resource_and_counts_them()
    {
        using var host = new FhirPortalHost(settings: ValidationHosts.Production());
        var options = GeneratorOutputTests.Small(seed: 5, patients: 4) with { FirstPatientId = null };
        var expected = TransactionBundles.Shared(options).Entry.Count + new PatientGenerator(options).All().Sum(r => r.Entries.Count);

        var result = await new ServerPoster(host.CreateFhirClient(), concurrency: 2, TextWriter.Null).PostAsync(options, CancellationToken.None);

        Assert.Equal(5, result.Bundles);
        Assert.Equal(expected, result.Resources);
        Assert.Equal(4, await CountAsync(host.CreateFhirClient(), "Patient"));
    }

    /// <summary>Posts a transaction; every entry must succeed. Returns the entry count.</summary>
    internal static async Task<int> PostAsync(HttpClient client, Bundle bundle)
    {
        var response = await client.SendAsync(HttpMethod.Post, "", new ByteArrayContent(FhirJson.ToBytes(bundle)) { Headers = { { "Content-Type", "application/fhir+json" } } }, ("Prefer", "return=minimal"));
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        var entries = body["entry"]!.AsArray();
        Assert.All(entries, e => Assert.StartsWith("2", (string)e!["response"]!["status"]!));
        return entries.Count;
    }

    internal static async Task<int> CountAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync(query + (query.Contains('?') ? "&" : "?") + "_summary=count");
        var body = await response.ReadJsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        return body["total"]!.GetValue<int>();
    }
}
